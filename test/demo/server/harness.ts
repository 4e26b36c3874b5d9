// What every test of the reference Horn server (demo/server.mjs) shares: a server per test on 127.0.0.1
// with a hand-moved clock, a fetch helper, the fixture's channels and tokens. The servers a test opened
// with `use` are closed after it.
import { afterEach, expect } from 'vitest'
import { fileURLToPath } from 'node:url'
// @ts-expect-error: plain JavaScript module with JSDoc types
import { createHornServer } from '../../../demo/server.mjs'

export const SERVER_FILE = fileURLToPath(new URL('../../../demo/server.mjs', import.meta.url))
export const BLUE = '0b8f5e2a-6c1d-4e8f-9a3b-1c2d3e4f5a6b'
export const TOWN = '7d1e9c40-2b5a-4f63-8e7d-9a0b1c2d3e4f'
export const HELP = 'c4a2f7b9-3e8d-4c15-b6a0-5d4e3f2a1b0c'
export const T0 = 1_790_000_000_000
export const auth = (who: string) => ({ Authorization: `Bearer demo-${who}` })
export const JSON_TYPE = { 'Content-Type': 'application/json' }
/**
 * Who reads, when a test does not say: every read needs a token now. Support staff read every app session;
 * channel sessions need an operator of their channel (dave hosts Support Desk, alice operates the others).
 * A test that means "nobody" passes `headers: {}`.
 */
export function readerFor(p: string) {
  if (p.startsWith('/app_sessions')) return auth('support')
  if (p.startsWith('/sessions/sess_help') || p.startsWith(`/channels/${HELP}`)) return auth('dave')
  if (p.startsWith('/sessions/') || p.startsWith('/channels/')) return auth('alice')
  return {}
}

export type Horn = ReturnType<typeof createHornServer>
export interface Answer {
  status: number
  headers: Headers
  text: string
  json: any
}

/** A server on a free port with a hand-moved clock; every test gets its own. */
export async function start(options: Record<string, unknown> = {}) {
  const clock = { now: T0 }
  const logged: string[] = []
  const horn: Horn = createHornServer({ now: () => clock.now, log: (m: string) => logged.push(m), ...options })
  const { url } = await horn.listen(0)
  async function call(method: string, p: string, init: { body?: unknown; headers?: Record<string, string>; raw?: BodyInit } = {}): Promise<Answer> {
    const body = init.raw ?? (init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body))
    // Bodies are JSON (the server answers 415 otherwise); reads carry a reader's token unless the test gives headers.
    const headers = { ...(body !== undefined ? JSON_TYPE : {}), ...(init.headers ?? (method === 'GET' ? readerFor(p) : {})) }
    const res = await fetch(url + p, { method, headers, body, ...(init.raw instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit)
    const text = await res.text()
    let json: any
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: res.status, headers: res.headers, text, json }
  }
  const register = async (body: Record<string, unknown> = {}, clientId = 'conference-ui') => {
    const r = await call('POST', `/app_sessions/new/${clientId}`, { body: { started: clock.now, url: 'http://127.0.0.1/demo/', ...body } })
    expect(r.status).toBe(200)
    return r.json.id as string
  }
  const sendLog = (id: string, body: unknown) => call('POST', `/app_sessions/${id}/logs`, { body })
  return { horn, url, clock, logged, call, register, sendLog }
}

/** Closed after each test; a test that closes one itself takes it out. */
export const open: Horn[] = []
export let ctx: Awaited<ReturnType<typeof start>>
export async function use(options: Record<string, unknown> = {}) {
  ctx = await start(options)
  open.push(ctx.horn)
  return ctx
}
afterEach(async () => {
  await Promise.all(open.map((h) => h.close()))
  open.length = 0
})

/** Expects a JSON `{ error }` answer with this status, and returns the message. */
export function expectError(r: Answer, status: number) {
  expect(r.status, r.text).toBe(status)
  expect(r.headers.get('content-type')).toMatch(/^application\/json/)
  expect(typeof r.json.error).toBe('string')
  expect(r.json.error.length).toBeGreaterThan(5)
  return r.json.error as string
}
