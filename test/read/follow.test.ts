/**
 * `logs --follow` in-process, against a scripted fetch: a network blip is said
 * once and followed through; a 404 ends the tail with its exit code.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { runCli } from '../../src/read/cli'

const line = (n: number) => `2026-11-28T09:00:0${n}.000Z INFO line ${n}\n`

/** A fetch that answers the app session and its log from `script`, one step per `GET /app_sessions/x`. */
function scripted(steps: Array<{ log: string; updated: number } | 'down' | 404>) {
  let step = 0
  let current = steps[0]
  return vi.fn(async (url: string) => {
    const path = new URL(url).pathname
    if (path === '/app_sessions/x') current = steps[Math.min(step++, steps.length - 1)]
    if (current === 'down') throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) })
    if (current === 404) return new Response(JSON.stringify({ error: 'unknown app session "x"' }), { status: 404 })
    if (path === '/app_sessions/x') return Response.json({ id: 'x', clientId: 'c', url: 'u', started: 0, channels: [], channelsSessions: [], users: [], updated: current.updated, batchCount: 1 })
    return new Response(current.log)
  })
}

async function follow(steps: Parameters<typeof scripted>[0], until: (out: string, err: string) => boolean) {
  let out = ''
  let err = ''
  let interrupt!: () => void
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve))
  vi.stubGlobal('fetch', scripted(steps))
  const code = runCli(['logs', 'x', '--follow', '--interval', '200'], {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    env: { HORN_API_URL: 'http://horn.test', HORN_TOKEN: 't' },
    interrupted,
  })
  const deadline = Date.now() + 10_000
  while (!until(out, err) && Date.now() < deadline) {
    if (await Promise.race([code.then(() => true), new Promise((r) => setTimeout(() => r(false), 20))])) break
  }
  interrupt()
  return { code: await code, out, err }
}

afterEach(() => vi.unstubAllGlobals())

describe('logs --follow', () => {
  it('says once that the server is down, keeps following, and prints what came meanwhile', async () => {
    const r = await follow(
      [{ log: line(1), updated: 1 }, 'down', 'down', 'down', { log: line(1) + line(2), updated: 2 }],
      (out) => out.includes('line 2'),
    )
    expect(r.code).toBe(0)
    expect(r.out).toBe(line(1) + line(2))
    expect(r.err.match(/still following/g)).toHaveLength(1)
    expect(r.err).toMatch(/cannot reach http:\/\/horn\.test \(GET \/app_sessions\/x: .*ECONNREFUSED/)
    expect(r.err).toMatch(/answers again/)
  })

  it('ends with exit code 4 when the app session is gone', async () => {
    const r = await follow([{ log: line(1), updated: 1 }, 404], () => false)
    expect(r.code).toBe(4)
    expect(r.err).toBe('horn-logger logs: GET /app_sessions/x answered 404: unknown app session "x"\n')
  })
})
