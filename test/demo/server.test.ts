// The reference Horn server (demo/server.mjs), driven over real HTTP on 127.0.0.1.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
// @ts-expect-error: plain JavaScript module with JSDoc types
import { createHornServer } from '../../demo/server.mjs'

const SERVER_FILE = fileURLToPath(new URL('../../demo/server.mjs', import.meta.url))
const BLUE = '0b8f5e2a-6c1d-4e8f-9a3b-1c2d3e4f5a6b'
const TOWN = '7d1e9c40-2b5a-4f63-8e7d-9a0b1c2d3e4f'
const HELP = 'c4a2f7b9-3e8d-4c15-b6a0-5d4e3f2a1b0c'
const T0 = 1_790_000_000_000
const auth = (who: string) => ({ Authorization: `Bearer demo-${who}` })
const JSON_TYPE = { 'Content-Type': 'application/json' }
/**
 * Who reads, when a test does not say: every read needs a token now. Support staff read every app session;
 * channel sessions need an operator of their channel (dave hosts Support Desk, alice operates the others).
 * A test that means "nobody" passes `headers: {}`.
 */
function readerFor(p: string) {
  if (p.startsWith('/app_sessions')) return auth('support')
  if (p.startsWith('/sessions/sess_help') || p.startsWith(`/channels/${HELP}`)) return auth('dave')
  if (p.startsWith('/sessions/') || p.startsWith('/channels/')) return auth('alice')
  return {}
}

type Horn = ReturnType<typeof createHornServer>
interface Answer {
  status: number
  headers: Headers
  text: string
  json: any
}

/** A server on a free port with a hand-moved clock; every test gets its own. */
async function start(options: Record<string, unknown> = {}) {
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

let open: Horn[] = []
let ctx: Awaited<ReturnType<typeof start>>
async function use(options: Record<string, unknown> = {}) {
  ctx = await start(options)
  open.push(ctx.horn)
  return ctx
}
afterEach(async () => {
  await Promise.all(open.map((h) => h.close()))
  open = []
})

/** Expects a JSON `{ error }` answer with this status, and returns the message. */
function expectError(r: Answer, status: number) {
  expect(r.status, r.text).toBe(status)
  expect(r.headers.get('content-type')).toMatch(/^application\/json/)
  expect(typeof r.json.error).toBe('string')
  expect(r.json.error.length).toBeGreaterThan(5)
  return r.json.error as string
}

describe('POST /app_sessions/new/{clientId}', () => {
  beforeEach(() => use())

  it('registers a fresh id each time, with the fields GET /app_sessions/{id} returns', async () => {
    const a = await ctx.register({ url: 'http://127.0.0.1/a', started: 123 })
    const b = await ctx.register()
    expect(a).not.toBe(b)
    const r = await ctx.call('GET', `/app_sessions/${a}`)
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ id: a, clientId: 'conference-ui', url: 'http://127.0.0.1/a', started: 123, channels: [], channelsSessions: [], users: [], batchCount: 0 })
  })

  it("links a known channel's active session, and keeps an unknown channel as given", async () => {
    const blue = await ctx.register({ channel: BLUE })
    const other = await ctx.register({ channel: 'not-a-fixture-channel' })
    expect((await ctx.call('GET', `/app_sessions/${blue}`)).json).toMatchObject({ channels: [BLUE], channelsSessions: ['sess_blue_03'] })
    expect((await ctx.call('GET', `/app_sessions/${other}`)).json).toMatchObject({ channels: ['not-a-fixture-channel'], channelsSessions: [] })
  })

  it.each([
    ['malformed JSON', '{"started": 1,'],
    ['an empty body', ''],
    ['an array', '[1, 2]'],
    ['null', 'null'],
    ['a missing started', { url: 'u' }],
    ['a string started', { started: '1', url: 'u' }],
    ['a negative started', { started: -1, url: 'u' }],
    ['a fractional started', { started: 1.5, url: 'u' }],
    ['a missing url', { started: 1 }],
    ['an empty url', { started: 1, url: '' }],
    ['a numeric url', { started: 1, url: 5 }],
    ['a numeric channel', { started: 1, url: 'u', channel: 7 }],
    ['a null channel', { started: 1, url: 'u', channel: null }],
  ])('refuses %s with 400 and stores nothing', async (_name, body) => {
    const r = await ctx.call('POST', '/app_sessions/new/conference-ui', { body })
    expectError(r, 400)
    expect(ctx.horn.state.appSessions()).toEqual([])
  })

  it('refuses a clientId that is too long or has control characters', async () => {
    expectError(await ctx.call('POST', `/app_sessions/new/${'x'.repeat(201)}`, { body: { started: 1, url: 'u' } }), 400)
    expectError(await ctx.call('POST', '/app_sessions/new/a%0Ab', { body: { started: 1, url: 'u' } }), 400)
    expect(ctx.horn.state.appSessions()).toEqual([])
  })
})

describe('POST and GET /app_sessions/{id}/logs', () => {
  beforeEach(() => use())

  it('answers the data of every batch in index order, as text/plain', async () => {
    const id = await ctx.register()
    for (const index of [2, 0, 1]) expect((await ctx.sendLog(id, { time: T0 + index, data: `line ${index}\n`, index })).status).toBe(200)
    const r = await ctx.call('GET', `/app_sessions/${id}/logs`)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(r.headers.get('x-content-type-options')).toBe('nosniff')
    expect(r.headers.get('x-horn-batch-count')).toBe('3')
    expect(r.text).toBe('line 0\nline 1\nline 2\n')
    expect(ctx.horn.state.logs(id)).toBe(r.text)
    expect(ctx.horn.state.batches(id).map((b: { index: number }) => b.index)).toEqual([0, 1, 2])
    expect((await ctx.call('GET', `/app_sessions/${id}`)).json.batchCount).toBe(3)
  })

  it('answers an empty text for an app session without logs', async () => {
    const id = await ctx.register()
    const r = await ctx.call('GET', `/app_sessions/${id}/logs`)
    expect([r.status, r.text]).toEqual([200, ''])
  })

  it('accepts the byte-identical body again (a retry) and keeps one copy', async () => {
    const id = await ctx.register()
    const body = JSON.stringify({ index: 0, time: T0, data: 'once\n' })
    const first = await ctx.call('POST', `/app_sessions/${id}/logs`, { body })
    const again = await ctx.call('POST', `/app_sessions/${id}/logs`, { body })
    expect([first.status, first.json]).toEqual([200, { index: 0, duplicate: false }])
    expect([again.status, again.json]).toEqual([200, { index: 0, duplicate: true }])
    expect(again.headers.get('x-horn-duplicate')).toBe('true')
    expect(ctx.horn.state.logs(id)).toBe('once\n')
  })

  it('answers 409 to a different body for a stored index, keeps the first, and logs it', async () => {
    const id = await ctx.register()
    await ctx.sendLog(id, { index: 0, time: T0, data: 'first\n' })
    const msg = expectError(await ctx.sendLog(id, { index: 0, time: T0, data: 'second\n' }), 409)
    expect(msg).toContain('index 0')
    expect(ctx.horn.state.logs(id)).toBe('first\n')
    expect(ctx.horn.state.conflicts).toMatchObject([{ appSessionId: id, index: 0 }])
    expect(ctx.logged.some((l) => l.includes('409'))).toBe(true)
  })

  it('answers 409 when only the bytes differ (key order), saying so', async () => {
    const id = await ctx.register()
    await ctx.call('POST', `/app_sessions/${id}/logs`, { body: '{"index":0,"time":1,"data":"x\\n"}' })
    const msg = expectError(await ctx.call('POST', `/app_sessions/${id}/logs`, { body: '{"time":1,"data":"x\\n","index":0}' }), 409)
    expect(msg).toMatch(/bytes/)
  })

  it('gives a batch without index the next index after the highest stored (0 when there is none)', async () => {
    const first = await ctx.register()
    expect((await ctx.sendLog(first, { time: 1, data: 'a\n' })).json).toEqual({ index: 0, duplicate: false })
    const id = await ctx.register()
    await ctx.sendLog(id, { index: 4, time: 1, data: 'b\n' })
    const r = await ctx.sendLog(id, { time: 2, data: 'c\n' })
    expect(r.json).toEqual({ index: 5, duplicate: false })
    expect(ctx.horn.state.logs(id)).toBe('b\nc\n')
  })

  it('answers 404 for an unknown app session, on POST and GET', async () => {
    expectError(await ctx.sendLog('nope', { index: 0, time: 1, data: 'x' }), 404)
    expectError(await ctx.call('GET', '/app_sessions/nope/logs'), 404)
    expectError(await ctx.call('GET', '/app_sessions/nope'), 404)
  })

  it.each([
    ['malformed JSON', '{"time":'],
    ['a missing time', { data: 'x', index: 0 }],
    ['a string time', { time: 'now', data: 'x', index: 0 }],
    ['a missing data', { time: 1, index: 0 }],
    ['an object data', { time: 1, data: { a: 1 }, index: 0 }],
    ['a negative index', { time: 1, data: 'x', index: -1 }],
    ['a string index', { time: 1, data: 'x', index: '0' }],
    ['a null index', { time: 1, data: 'x', index: null }],
    ['an index past 2^53', { time: 1, data: 'x', index: 2 ** 53 }],
  ])('refuses %s with 400 and stores nothing', async (_name, body) => {
    const id = await ctx.register()
    expectError(await ctx.sendLog(id, body), 400)
    expect(ctx.horn.state.batches(id)).toEqual([])
  })

  it('refuses a body that is not UTF-8', async () => {
    const id = await ctx.register()
    const raw = new Uint8Array([...new TextEncoder().encode('{"time":1,"index":0,"data":"'), 0xff, 0xfe, ...new TextEncoder().encode('"}')])
    expect(expectError(await ctx.call('POST', `/app_sessions/${id}/logs`, { raw }), 400)).toMatch(/UTF-8/)
    expect(ctx.horn.state.batches(id)).toEqual([])
  })
})

describe('body size limit', () => {
  it('answers 413 over 64 KiB by default, stores nothing, and keeps serving', async () => {
    await use()
    const id = await ctx.register()
    expect((await ctx.sendLog(id, { time: 1, index: 1, data: 'x'.repeat(60 * 1024) })).status).toBe(200) // the agent's largest batch
    const r = await ctx.sendLog(id, { time: 1, index: 0, data: 'x'.repeat(64 * 1024) })
    expect(expectError(r, 413)).toContain('65536')
    expect(ctx.horn.state.batches(id).map((b: { index: number }) => b.index)).toEqual([1])
    expect((await ctx.sendLog(id, { time: 1, index: 0, data: 'small\n' })).status).toBe(200)
  })

  it('answers 413 to a chunked body (no Content-Length) that grows past the limit', async () => {
    await use({ bodyLimit: 1000 })
    const id = await ctx.register()
    const chunk = new TextEncoder().encode('x'.repeat(400))
    let sent = 0
    const raw = new ReadableStream({
      pull(controller) {
        if (sent++ < 5) controller.enqueue(chunk)
        else controller.close()
      },
    })
    expectError(await ctx.call('POST', `/app_sessions/${id}/logs`, { raw }), 413)
    expect(ctx.horn.state.batches(id)).toEqual([])
    expect((await ctx.call('GET', `/app_sessions/${id}`)).status).toBe(200)
  })
})

describe('POST /app_sessions/{id}/link/user', () => {
  beforeEach(() => use())

  it('links the user the bearer token resolves to, once each', async () => {
    const id = await ctx.register()
    const r = await ctx.call('POST', `/app_sessions/${id}/link/user`, { headers: auth('alice') })
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ id: 1001, handle: 'alice', linked: T0 })
    ctx.clock.now += 1000
    await ctx.call('POST', `/app_sessions/${id}/link/user`, { headers: auth('alice') })
    await ctx.call('POST', `/app_sessions/${id}/link/user`, { headers: auth('bob') })
    const users = (await ctx.call('GET', `/app_sessions/${id}`)).json.users
    expect(users).toMatchObject([{ id: 1001, handle: 'alice', linked: T0 }, { id: 1002, handle: 'bob', linked: T0 + 1000 }])
    expect(users[0].imageUrl).toContain('/_demo/image/person/1001.svg')
  })

  it('answers 401 (with WWW-Authenticate) without a token or with an unknown one', async () => {
    const id = await ctx.register()
    const none = await ctx.call('POST', `/app_sessions/${id}/link/user`)
    expectError(none, 401)
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expectError(await ctx.call('POST', `/app_sessions/${id}/link/user`, { headers: { Authorization: 'Bearer nope' } }), 401)
    expectError(await ctx.call('POST', `/app_sessions/${id}/link/user`, { headers: { Authorization: 'Basic ZGVtbzpkZW1v' } }), 401)
    expect(ctx.horn.state.appSession(id).users).toEqual([])
  })

  it('answers 404 for an unknown app session', async () => {
    expectError(await ctx.call('POST', '/app_sessions/nope/link/user', { headers: auth('alice') }), 404)
  })
})

describe('GET /app_sessions', () => {
  let ids: Record<string, string>
  beforeEach(async () => {
    await use()
    ids = {}
    // started: a=100, b=200, c=300, d=400; d registered while Blue Room has an active session.
    ids.a = await ctx.register({ started: 100, url: 'http://app.example/room/blue?x=1' })
    ids.b = await ctx.register({ started: 200, url: 'http://app.example/lobby', channel: TOWN })
    ids.c = await ctx.register({ started: 300, url: 'http://other.example/room/red' })
    ids.d = await ctx.register({ started: 400, url: 'http://app.example/room/blue', channel: BLUE })
    await ctx.call('POST', `/app_sessions/${ids.a}/link/user`, { headers: auth('alice') })
    await ctx.call('POST', `/app_sessions/${ids.c}/link/user`, { headers: auth('bob') })
    await ctx.call('POST', `/app_sessions/${ids.d}/link/user`, { headers: auth('alice') })
  })
  const list = async (q: string) => {
    const r = await ctx.call('GET', `/app_sessions${q}`)
    expect(r.status, r.text).toBe(200)
    return { total: r.json.total as number, ids: (r.json.results as { id: string }[]).map((s) => Object.entries(ids).find(([, v]) => v === s.id)?.[0]) }
  }

  it('lists everything, newest started first', async () => {
    expect(await list('')).toEqual({ total: 4, ids: ['d', 'c', 'b', 'a'] })
  })

  it.each([
    ['?user=1001', ['d', 'a']],
    ['?user=alice', ['d', 'a']],
    ['?user=bob', ['c']],
    ['?user=carol', []],
    ['?channel=' + BLUE, ['d']],
    ['?channel=' + TOWN, ['b']],
    ['?channelSession=sess_blue_03', ['d']],
    ['?channelSession=sess_town_01', []],
    ['?url=room', ['d', 'c', 'a']],
    ['?url=' + encodeURIComponent('blue?x='), ['a']],
    ['?url=ROOM', []],
    ['?startedBefore=300', ['b', 'a']],
    ['?startedAfter=300', ['d']],
    ['?startedAfter=100&startedBefore=400', ['c', 'b']],
    ['?user=alice&url=blue&startedBefore=400', ['a']],
  ])('filters %s', async (q, expected) => {
    expect(await list(q)).toEqual({ total: expected.length, ids: expected })
  })

  it('paginates with offset and limit, total counting every match', async () => {
    expect(await list('?limit=2')).toEqual({ total: 4, ids: ['d', 'c'] })
    expect(await list('?limit=2&offset=2')).toEqual({ total: 4, ids: ['b', 'a'] })
    expect(await list('?offset=3')).toEqual({ total: 4, ids: ['a'] })
    expect(await list('?offset=10')).toEqual({ total: 4, ids: [] })
    expect(await list('?limit=0')).toEqual({ total: 4, ids: [] })
    expect(await list('?url=app&limit=1&offset=1')).toEqual({ total: 3, ids: ['b'] })
  })

  it.each(['?limit=-1', '?limit=1001', '?limit=abc', '?limit=', '?offset=1.5', '?offset=-2', '?startedBefore=yesterday', '?startedAfter=1e3', '?limit=1&limit=2'])(
    'refuses %s with 400',
    async (q) => {
      expect(expectError(await ctx.call('GET', `/app_sessions${q}`), 400)).toMatch(/limit|offset|started/)
    },
  )
})

describe('Sessions: one session, its participants and recordings', () => {
  beforeEach(() => use())

  it('GET /sessions/{id} answers the Session, counting participants and recordings', async () => {
    const r = await ctx.call('GET', '/sessions/sess_blue_01')
    expect(r.status).toBe(200)
    expect(r.json).toEqual({
      id: 'sess_blue_01', name: 'Monday stand-up', serviceMode: 'conference', channel: BLUE, clientId: 'conference-ui',
      participantsCount: 5, hadRecording: true, created: 1763740200000, started: 1763740800000, ended: 1763742600000,
      imageUrl: `${ctx.url}/_demo/image/session/sess_blue_01.svg?size=64`,
    })
  })

  it('shows a breakout child with parentId and groupId, and a panel session', async () => {
    expect((await ctx.call('GET', '/sessions/sess_blue_03a')).json).toMatchObject({ parentId: 'sess_blue_03', groupId: 'grp_blue_03', hadRecording: false })
    const panel = (await ctx.call('GET', '/sessions/sess_town_02')).json
    expect(panel).toMatchObject({ serviceMode: 'panel', participantsCount: 0 })
    expect(panel.started).toBeUndefined()
  })

  it('sizes image URLs by imgSize, and refuses a bad one', async () => {
    expect((await ctx.call('GET', '/sessions/sess_blue_01?imgSize=128')).json.imageUrl).toMatch(/size=128$/)
    for (const q of ['0', 'big', '5000', '1.5']) expectError(await ctx.call('GET', `/sessions/sess_blue_01?imgSize=${q}`), 400)
  })

  it('GET /sessions/{id}/participants answers [{ id, handle, imageUrl? }]', async () => {
    const r = await ctx.call('GET', '/sessions/sess_help_01/participants?imgSize=32')
    expect(r.status).toBe(200)
    expect(r.json).toEqual([
      { id: 1004, handle: 'dave', imageUrl: `${ctx.url}/_demo/image/person/1004.svg?size=32` },
      { id: 1011, handle: 'guest-4711' },
    ])
    expectError(await ctx.call('GET', '/sessions/sess_help_01/participants?imgSize=-3'), 400)
  })

  it('GET /sessions/{id}/recordings answers RecordingAssets in several states', async () => {
    const town = (await ctx.call('GET', '/sessions/sess_town_01/recordings')).json
    expect(town.map((a: { state: string }) => a.state)).toEqual(['processing', 'ready', 'failed'])
    expect(town[1]).toEqual({
      id: 'asset_t01_cms', recordingId: 'rec_t01', format: 'CMS', kind: 'other', state: 'ready', label: 'Chat and events',
      startTime: 1763913600000, endTime: 1763920800000, size: 1048576, url: 'https://media.horn.example/rec_t01/events.cms',
      relativePath: '2025/11/23/rec_t01/events.cms', isIndividual: false,
    })
    const blue = (await ctx.call('GET', '/sessions/sess_blue_01/recordings')).json
    expect(blue.filter((a: { isIndividual: boolean }) => a.isIndividual).map((a: { userId: number }) => a.userId)).toEqual([1001, 1002])
    expect((await ctx.call('GET', '/sessions/sess_blue_03/recordings')).json[0]).toMatchObject({ state: 'recording' })
    expect((await ctx.call('GET', '/sessions/sess_blue_02/recordings')).json).toEqual([])
  })

  it('answers 404 for an unknown session on every call', async () => {
    for (const p of ['/sessions/nope', '/sessions/nope/participants', '/sessions/nope/recordings']) expectError(await ctx.call('GET', p), 404)
  })
})

describe('GET /channels/{uuid}/participants', () => {
  beforeEach(() => use())
  const handles = (r: Answer) => r.json.results.map((p: { handle: string }) => p.handle)

  it("lists everyone from the channel's sessions, most recently seen first", async () => {
    const r = await ctx.call('GET', `/channels/${BLUE}/participants`)
    expect(r.json.total).toBe(9)
    expect(handles(r)).toEqual(['bob', 'ivan', 'carol', 'heidi', 'alice', 'dave', 'grace', 'erin', 'frank'])
    expect(r.json.results[0]).toMatchObject({ id: 1002, handle: 'bob', imageUrl: expect.stringContaining('size=64') })
  })

  it('filters by search (handle substring, any case), paginates, sizes images', async () => {
    const r = await ctx.call('GET', `/channels/${BLUE}/participants?search=A&offset=1&limit=3&imgSize=20`)
    expect(r.json.total).toBe(6)
    expect(handles(r)).toEqual(['carol', 'alice', 'dave'])
    expect(r.json.results[0].imageUrl).toMatch(/size=20$/)
    expect((await ctx.call('GET', `/channels/${HELP}/participants?search=guest`)).json).toMatchObject({ total: 2, results: [{ handle: 'guest-4712' }, { handle: 'guest-4711' }] })
  })

  it('answers 404 for an unknown channel and 400 for bad paging', async () => {
    expectError(await ctx.call('GET', '/channels/nope/participants'), 404)
    expectError(await ctx.call('GET', `/channels/${BLUE}/participants?limit=x`), 400)
    expectError(await ctx.call('GET', `/channels/${BLUE}/participants?offset=-1`), 400)
  })
})

describe('GET /sessions', () => {
  beforeEach(() => use())
  const list = async (who: string, q = '') => {
    const r = await ctx.call('GET', `/sessions${q}`, { headers: auth(who) })
    expect(r.status, r.text).toBe(200)
    return { total: r.json.total as number, ids: (r.json.results as { id: string }[]).map((s) => s.id.replace('sess_', '')) }
  }

  it('answers 401 without a valid bearer token', async () => {
    expectError(await ctx.call('GET', '/sessions'), 401)
    expectError(await ctx.call('GET', '/sessions', { headers: { Authorization: 'Bearer wrong' } }), 401)
  })

  it('shows only channels where the caller is at least operator', async () => {
    expect((await list('alice')).total).toBe(7) // owner of Blue, host of Town, participant of Support
    expect((await list('bob')).ids.every((id) => id.startsWith('blue'))).toBe(true) // operator of Blue only
    expect((await list('bob')).total).toBe(5)
    expect(await list('carol')).toEqual({ total: 0, ids: [] }) // participant everywhere
    expect(await list('dave')).toEqual({ total: 2, ids: ['help_02', 'help_01'] })
    expect(await list('dave', `?channel=${BLUE}`)).toEqual({ total: 0, ids: [] }) // only a participant there
  })

  it('sorts by started, newest first, by default; missing values last; ties by id', async () => {
    expect((await list('alice')).ids).toEqual(['blue_03a', 'blue_03b', 'blue_03', 'town_01', 'blue_02', 'blue_01', 'town_02'])
    expect((await list('alice', '?order=asc')).ids).toEqual(['blue_01', 'blue_02', 'town_01', 'blue_03', 'blue_03a', 'blue_03b', 'town_02'])
  })

  it.each([
    ['?sort=ended', ['blue_03b', 'town_01', 'blue_02', 'blue_01', 'blue_03', 'blue_03a', 'town_02']],
    ['?sort=name&order=asc', ['town_02', 'town_01', 'blue_03b', 'blue_03a', 'blue_02', 'blue_01', 'blue_03']],
    ['?sort=name', ['blue_03', 'blue_01', 'blue_02', 'blue_03a', 'blue_03b', 'town_01', 'town_02']],
    ['?sort=presence', ['town_01', 'blue_03', 'blue_01', 'blue_02', 'blue_03a', 'blue_03b', 'town_02']],
    ['?sort=presence&order=asc', ['town_02', 'blue_03a', 'blue_03b', 'blue_02', 'blue_01', 'blue_03', 'town_01']],
  ])('sorts %s', async (q, expected) => {
    expect((await list('alice', q)).ids).toEqual(expected)
  })

  it.each([
    [`?channel=${TOWN}`, ['town_01', 'town_02']],
    ['?search=ALL-HANDS', ['town_01', 'town_02']],
    ['?search=breakout', ['blue_03a', 'blue_03b']],
    ['?hasRecording=true', ['blue_03', 'town_01', 'blue_01']],
    ['?hasRecording=false', ['blue_03a', 'blue_03b', 'blue_02', 'town_02']],
    // from/to: sessions live at some time in the window (a running one until now, a scheduled one from `created`).
    ['?from=1763740000000&to=1763741000000', ['blue_01']],
    ['?from=1763990000000', ['blue_03a', 'blue_03b', 'blue_03', 'town_02']],
    ['?from=1763990000000&to=1763995000000', ['town_02']],
    ['?to=1763800000000', ['blue_01']],
    [`?channel=${BLUE}&hasRecording=false&sort=name&order=asc`, ['blue_03b', 'blue_03a', 'blue_02']],
  ])('filters %s', async (q, expected) => {
    expect(await list('alice', q)).toEqual({ total: expected.length, ids: expected })
  })

  it('paginates and sizes images', async () => {
    expect(await list('alice', '?limit=2&offset=1')).toEqual({ total: 7, ids: ['blue_03b', 'blue_03'] })
    expect(await list('alice', '?limit=0')).toEqual({ total: 7, ids: [] })
    const r = await ctx.call('GET', '/sessions?limit=1&imgSize=256', { headers: auth('alice') })
    expect(r.json.results[0].imageUrl).toMatch(/size=256$/)
  })

  it.each(['?sort=duration', '?order=up', '?hasRecording=yes', '?from=today', '?to=-5', '?limit=2000', '?imgSize=0', '?sort=name&sort=ended'])(
    'refuses %s with 400',
    async (q) => {
      expectError(await ctx.call('GET', `/sessions${q}`, { headers: auth('alice') }), 400)
    },
  )
})

describe('DELETE /channels/{uuid}/session/{sessionId?}', () => {
  beforeEach(() => use())
  const end = (uuid: string, sessionId = '', who = 'alice') => ctx.call('DELETE', `/channels/${uuid}/session${sessionId && `/${sessionId}`}`, { headers: auth(who) })

  it('ends the active session and its running breakouts, once', async () => {
    ctx.clock.now = 1764000000000
    const r = await end(BLUE)
    expect(r.status).toBe(200)
    expect(r.json).toMatchObject({ id: 'sess_blue_03', ended: 1764000000000 })
    expect((await ctx.call('GET', '/sessions/sess_blue_03')).json.ended).toBe(1764000000000)
    expect((await ctx.call('GET', '/sessions/sess_blue_03a')).json.ended).toBe(1764000000000)
    expect((await ctx.call('GET', '/sessions/sess_blue_03b')).json.ended).toBe(1763999400000) // already over: unchanged
    expectError(await end(BLUE), 404) // nothing left to end
    // A later registration in the channel no longer joins an active session.
    const id = await ctx.register({ channel: BLUE })
    expect(ctx.horn.state.appSession(id).channelsSessions).toEqual([])
  })

  it('ends only the given session if it is the active one', async () => {
    expectError(await end(BLUE, 'sess_blue_01'), 409) // ended long ago
    expectError(await end(BLUE, 'sess_blue_03a'), 409) // a breakout, not the active session
    expectError(await end(BLUE, 'sess_help_02'), 404) // another channel's
    expectError(await end(BLUE, 'nope'), 404)
    expect(ctx.horn.state.sessions().find((s: { id: string }) => s.id === 'sess_blue_03').ended).toBeUndefined()
    expect((await end(HELP, 'sess_help_02', 'dave')).json).toMatchObject({ id: 'sess_help_02', ended: T0 })
  })

  it('answers 404 for a channel without an active session or an unknown channel', async () => {
    expectError(await end(TOWN), 404) // its only open session is scheduled, not started
    expectError(await end('nope'), 404)
  })

  it('needs a token with the operator role on the channel', async () => {
    expectError(await ctx.call('DELETE', `/channels/${BLUE}/session`), 401)
    expectError(await end(BLUE, '', 'carol'), 403)
    expectError(await end(HELP, '', 'alice'), 403)
    expect((await end(BLUE, '', 'bob')).status).toBe(200)
  })
})

describe('persistence with dataFile (SQLite)', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'horn-demo-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps app sessions, logs, links, conflicts and ended sessions across a restart', async () => {
    const dataFile = path.join(dir, 'nested', 'store.db')
    const first = await use({ dataFile })
    const id = await first.register({ channel: BLUE, started: 42 })
    const body = JSON.stringify({ index: 0, time: 1, data: 'before restart\n' })
    await first.call('POST', `/app_sessions/${id}/logs`, { body })
    await first.sendLog(id, { index: 1, time: 2, data: 'two\n' })
    expectError(await first.sendLog(id, { index: 1, time: 2, data: 'other\n' }), 409)
    await first.call('POST', `/app_sessions/${id}/link/user`, { headers: auth('carol') })
    await first.call('DELETE', `/channels/${HELP}/session`, { headers: auth('dave') })
    // Image URLs name the port, which a restart changes.
    const withoutImages = (a: any) => ({ ...a, users: a.users.map(({ imageUrl, ...u }: any) => u) })
    const before = withoutImages(first.horn.state.appSession(id))
    await first.horn.close()
    open = open.filter((h) => h !== first.horn)

    const second = await use({ dataFile })
    expect(withoutImages(second.horn.state.appSession(id))).toEqual(before)
    expect((await second.call('GET', `/app_sessions/${id}/logs`)).text).toBe('before restart\ntwo\n')
    expect((await second.call('GET', `/app_sessions?user=carol`)).json.total).toBe(1)
    expect((await second.call('GET', '/sessions/sess_help_02')).json.ended).toBe(T0)
    expect(second.horn.state.conflicts).toMatchObject([{ appSessionId: id, index: 1 }])
    // The first body per index survives too: a retry is still a duplicate, a change still a conflict.
    expect((await second.call('POST', `/app_sessions/${id}/logs`, { body })).json).toEqual({ index: 0, duplicate: true })
    expectError(await second.sendLog(id, { index: 1, time: 2, data: 'changed\n' }), 409)
    const other = await second.register()
    expect(other).not.toBe(id)
    expect(second.horn.state.appSessions().map((a: { id: string }) => a.id)).toEqual([id, other])
  })

  it('has every answered write on disk already: another connection reads it before any close', async () => {
    const dataFile = path.join(dir, 'store.db')
    await use({ dataFile })
    const id = await ctx.register()
    expect((await ctx.sendLog(id, { index: 0, time: 1, data: 'committed\n' })).status).toBe(200)
    const { default: Database } = await import('better-sqlite3')
    const db = new Database(dataFile, { readonly: true })
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
      expect(db.prepare('SELECT idx, body FROM logs WHERE app_session = ?').all(id)).toEqual([{ idx: 0, body: '{"index":0,"time":1,"data":"committed\\n"}' }])
    } finally {
      db.close()
    }
  })

  it('persists a reset too: an empty store and un-ended sessions', async () => {
    const dataFile = path.join(dir, 'store.db')
    await use({ dataFile, faultControls: true })
    await ctx.register()
    await ctx.call('DELETE', `/channels/${BLUE}/session`, { headers: auth('alice') })
    await ctx.call('POST', '/_control/reset')
    await ctx.horn.close()
    open = []
    await use({ dataFile })
    expect(ctx.horn.state.appSessions()).toEqual([])
    expect((await ctx.call('GET', '/sessions/sess_blue_03')).json.ended).toBeUndefined()
  })

  it('refuses to start on a file that is not its own (JSON, or another SQLite database), and leaves it untouched', async () => {
    const dataFile = path.join(dir, 'notes.json')
    await writeFile(dataFile, '{"hello": "world"}')
    const horn = createHornServer({ dataFile, log: () => {} })
    await expect(horn.listen(0)).rejects.toThrow(/not a readable horn demo store/)
    expect(await readFile(dataFile, 'utf8')).toBe('{"hello": "world"}')
    const { default: Database } = await import('better-sqlite3')
    const otherFile = path.join(dir, 'other.db')
    const other = new Database(otherFile)
    other.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)')
    other.close()
    await expect(createHornServer({ dataFile: otherFile, log: () => {} }).listen(0)).rejects.toThrow(/SQLite database of something else/)
  })

  it('answers 503 (never 2xx) when the database cannot write, and serves again once it can', async () => {
    const dataFile = path.join(dir, 'store.db')
    await use({ dataFile })
    const id = await ctx.register()
    // Another connection holds the write lock: this server's write fails (SQLITE_BUSY) instead of waiting.
    const { default: Database } = await import('better-sqlite3')
    const locker = new Database(dataFile, { timeout: 0 })
    locker.exec('BEGIN IMMEDIATE')
    try {
      const r = await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' })
      expect(expectError(r, 503)).toMatch(/could not write/)
      expect(r.headers.get('retry-after')).toBe('5')
    } finally {
      locker.exec('ROLLBACK')
      locker.close()
    }
    expect(ctx.horn.state.batches(id)).toEqual([])
    expect((await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' })).status).toBe(200)
    expect(ctx.logged.some((l) => l.includes('SQLITE_BUSY'))).toBe(true)
  })
})

describe('CORS', () => {
  const preflight = (origin: string) =>
    fetch(ctx.url + '/app_sessions/new/x', {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,authorization' },
    })

  it('answers preflights from loopback origins by default, with credentials', async () => {
    await use()
    for (const origin of ['http://127.0.0.1:5173', 'http://localhost:8787', 'http://[::1]:3000']) {
      const r = await preflight(origin)
      expect(r.status).toBe(204)
      expect(r.headers.get('access-control-allow-origin')).toBe(origin)
      expect(r.headers.get('access-control-allow-credentials')).toBe('true')
      expect(r.headers.get('access-control-allow-methods')).toContain('POST')
      expect(r.headers.get('access-control-allow-methods')).toContain('DELETE')
      expect(r.headers.get('access-control-allow-headers')).toBe('Content-Type, Authorization')
    }
    const r = await fetch(ctx.url + '/sessions/sess_blue_01', { headers: { Origin: 'http://localhost:8787' } })
    expect(r.headers.get('access-control-allow-origin')).toBe('http://localhost:8787')
    expect(r.headers.get('access-control-expose-headers')).toContain('Retry-After')
    expect(r.headers.get('vary')).toBe('Origin')
  })

  it("answers Chrome's Private Network Access preflight for an allowed origin", async () => {
    await use({ corsOrigin: 'https://app.example' })
    const r = await fetch(ctx.url + '/app_sessions/new/x', {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Private-Network': 'true' },
    })
    expect(r.headers.get('access-control-allow-private-network')).toBe('true')
  })

  it('gives other origins no Allow-* headers', async () => {
    await use()
    const r = await preflight('https://evil.example')
    expect(r.status).toBe(204)
    expect(r.headers.get('access-control-allow-origin')).toBeNull()
    expect(r.headers.get('access-control-allow-headers')).toBeNull()
  })

  it('allows exactly the configured origin(s); "*" is a literal * without credentials', async () => {
    await use({ corsOrigin: 'https://app.example' })
    expect((await preflight('https://app.example')).headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect((await preflight('http://127.0.0.1:5173')).headers.get('access-control-allow-origin')).toBeNull()
    await use({ corsOrigin: '*' })
    const any = await preflight('https://any.example')
    expect(any.headers.get('access-control-allow-origin')).toBe('*')
    expect(any.headers.get('access-control-allow-credentials')).toBeNull()
  })

  it('never allows the null origin, whatever is configured', async () => {
    for (const corsOrigin of [undefined, '*', ['null', 'https://app.example'], () => true]) {
      await use({ corsOrigin })
      const r = await preflight('null')
      expect(r.headers.get('access-control-allow-origin'), String(corsOrigin)).toBeNull()
      expect(r.headers.get('access-control-allow-headers')).toBeNull()
    }
  })
})

describe('fault injection', () => {
  beforeEach(() => use({ faultControls: true }))

  it('serves /_control/* only with faultControls (--fault-controls); the in-process controls work either way', async () => {
    await use()
    for (const [method, p] of [['GET', '/_control'], ['POST', '/_control/logs-down?seconds=5'], ['POST', '/_control/reset'], ['POST', '/_control/config?failRate=1']]) {
      expectError(await ctx.call(method, p), 404)
    }
    const id = await ctx.register()
    ctx.horn.controls.logsDown(5)
    expectError(await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' }), 503)
  })

  it('refuses a control call from a page on an origin CORS does not allow (a no-cors form post)', async () => {
    const r = await ctx.call('POST', '/_control/reset', { headers: { Origin: 'https://evil.example' } })
    expectError(r, 403)
    expectError(await ctx.call('POST', '/_control/reset', { headers: { Origin: 'null' } }), 403)
    expect((await ctx.call('POST', '/_control/reset', { headers: { Origin: ctx.url } })).status).toBe(200)
  })

  it("lets the server's own pages call the control routes even when CORS allows only another origin", async () => {
    await use({ faultControls: true, corsOrigin: 'https://app.example' })
    expect((await ctx.call('POST', '/_control/logs-down?seconds=1', { headers: { Origin: ctx.url } })).status).toBe(200)
    expectError(await ctx.call('POST', '/_control/logs-down?seconds=1', { headers: { Origin: 'http://127.0.0.1:1' } }), 403)
  })

  it('controls.logsDown(N) answers 503 with Retry-After on the logs endpoint only, for N seconds', async () => {
    const id = await ctx.register()
    expect(ctx.horn.controls.logsDown(30)).toBe(T0 + 30_000)
    const down = await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' })
    expectError(down, 503)
    expect(down.headers.get('retry-after')).toBe('30')
    expect(ctx.horn.state.batches(id)).toEqual([])
    expect((await ctx.call('GET', `/app_sessions/${id}/logs`)).status).toBe(200)
    expect(await ctx.register()).toBeTypeOf('string')
    ctx.clock.now += 29_500
    expect((await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' })).headers.get('retry-after')).toBe('1')
    ctx.clock.now += 500
    expect((await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' })).status).toBe(200)
  })

  it('POST /_control/logs-down?seconds=N does the same over HTTP; 0 brings it back', async () => {
    const id = await ctx.register()
    const r = await ctx.call('POST', '/_control/logs-down?seconds=10')
    expect(r.json).toMatchObject({ logsDown: true, logsDownUntil: T0 + 10_000 })
    expect((await ctx.call('GET', '/_control')).json.logsDown).toBe(true)
    expect((await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' })).status).toBe(503)
    expect((await ctx.call('POST', '/_control/logs-down?seconds=0')).json.logsDown).toBe(false)
    expect((await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' })).status).toBe(200)
    for (const q of ['', '?seconds=soon', '?seconds=-1', '?seconds=999999']) expectError(await ctx.call('POST', `/_control/logs-down${q}`), 400)
  })

  it('failRate answers that share of POST /app_sessions/... with 503, never reads', async () => {
    let draw = 0.1
    await use({ random: () => draw, faultControls: true })
    const id = await ctx.register()
    ctx.horn.controls.setFailRate(0.5)
    expectError(await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' }), 503)
    expectError(await ctx.call('POST', '/app_sessions/new/x', { body: { started: 1, url: 'u' } }), 503)
    expect((await ctx.call('GET', `/app_sessions/${id}`)).status).toBe(200)
    draw = 0.9
    expect((await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' })).status).toBe(200)
    expect(ctx.horn.state.appSessions()).toHaveLength(1)
    expect(() => ctx.horn.controls.setFailRate(2)).toThrow(RangeError)
  })

  it('POST /_control/config sets failRate and latencyMs; reset clears them and the data', async () => {
    await ctx.register()
    expect((await ctx.call('POST', '/_control/config?failRate=0.25&latencyMs=5')).json).toMatchObject({ failRate: 0.25, latencyMs: 5 })
    expect(ctx.horn.state.settings).toMatchObject({ failRate: 0.25, latencyMs: 5 })
    expectError(await ctx.call('POST', '/_control/config?failRate=1.5'), 400)
    expectError(await ctx.call('POST', '/_control/config?latencyMs=fast'), 400)
    expect((await ctx.call('POST', '/_control/reset')).json).toMatchObject({ failRate: 0, latencyMs: 0, logsDown: false })
    expect(ctx.horn.state.appSessions()).toEqual([])
  })

  it('latencyMs delays API answers (a lower bound only)', async () => {
    ctx.horn.controls.setLatency(60)
    const t = performance.now()
    expect((await ctx.call('GET', '/sessions/sess_blue_01')).status).toBe(200)
    expect(performance.now() - t).toBeGreaterThanOrEqual(55)
  })

  it('onLogs can answer a status (stored nothing) or delay, per app session and index', async () => {
    const seen: { appSessionId: string; index: number | undefined; auth: string | undefined }[] = []
    let failIndex1 = 1
    await use({
      faultControls: true,
      onLogs: (req: { headers: Record<string, string> }, info: { appSessionId: string; index: number | undefined }) => {
        seen.push({ ...info, auth: req.headers.authorization })
        if (info.index === 1 && failIndex1-- > 0) return { status: 503 }
        if (info.index === 2) return { status: 429, headers: { 'Retry-After': '7' } }
        if (info.index === 3) return { delayMs: 20 }
        return undefined
      },
    })
    const id = await ctx.register()
    expect((await ctx.sendLog(id, { index: 0, time: 1, data: 'a\n' })).status).toBe(200)
    expectError(await ctx.sendLog(id, { index: 1, time: 1, data: 'b\n' }), 503)
    expect((await ctx.sendLog(id, { index: 1, time: 1, data: 'b\n' })).status).toBe(200)
    const limited = await ctx.sendLog(id, { index: 2, time: 1, data: 'c\n' })
    expectError(limited, 429)
    expect(limited.headers.get('retry-after')).toBe('7')
    expect((await ctx.sendLog(id, { index: 3, time: 1, data: 'd\n' })).status).toBe(200)
    expect(ctx.horn.state.logs(id)).toBe('a\nb\nd\n')
    expect(seen.map((s) => s.index)).toEqual([0, 1, 1, 2, 3])
    expect(seen[0].appSessionId).toBe(id)
    // Bad input and unknown ids are refused before the hook sees them.
    await ctx.sendLog(id, { index: 'x', time: 1, data: 'x' })
    await ctx.sendLog('nope', { index: 9, time: 1, data: 'x' })
    expect(seen).toHaveLength(5)
  })

  it('a throwing onLogs hook is a 500, and the server keeps serving', async () => {
    await use({
      onLogs: () => {
        throw new Error('hook bug')
      },
    })
    const id = await ctx.register()
    expectError(await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' }), 500)
    expect(ctx.logged.some((l) => l.includes('hook bug'))).toBe(true)
    expect((await ctx.call('GET', `/app_sessions/${id}`)).status).toBe(200)
  })
})

describe('routing, static files and robustness', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'horn-demo-static-'))
    await mkdir(path.join(dir, 'public', 'app_sessions'), { recursive: true })
    await mkdir(path.join(dir, 'dist'))
    await writeFile(path.join(dir, 'public', 'index.html'), '<h1>demo</h1>')
    await writeFile(path.join(dir, 'public', 'app.css'), 'body{}')
    await writeFile(path.join(dir, 'public', 'app_sessions', 'x.txt'), 'shadowed')
    await writeFile(path.join(dir, 'dist', 'horn-logger.min.js'), 'window.HornLogger={}')
    await writeFile(path.join(dir, 'secret.txt'), 'TOP-SECRET')
    await use({ publicDir: path.join(dir, 'public'), distDir: path.join(dir, 'dist') })
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('serves demo/public at / and dist/ at /dist/', async () => {
    const index = await ctx.call('GET', '/')
    expect([index.status, index.text, index.headers.get('content-type')]).toEqual([200, '<h1>demo</h1>', 'text/html; charset=utf-8'])
    expect((await ctx.call('GET', '/app.css')).headers.get('content-type')).toBe('text/css; charset=utf-8')
    const js = await ctx.call('GET', '/dist/horn-logger.min.js')
    expect([js.status, js.text, js.headers.get('content-type')]).toEqual([200, 'window.HornLogger={}', 'text/javascript; charset=utf-8'])
    const head = await fetch(ctx.url + '/dist/horn-logger.min.js', { method: 'HEAD' })
    expect([head.status, head.headers.get('content-length')]).toEqual([200, '20'])
  })

  it('answers 404 for missing files (with a build hint under /dist) and refuses traversal', async () => {
    expect((await ctx.call('GET', '/dist/nope.js')).text).toContain('npm run build')
    // Raw paths via node:http: fetch would normalize `..` away before sending.
    const raw = (p: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        http.get(ctx.url + '/', { path: p }, (res) => {
          let text = ''
          res.on('data', (d) => (text += d))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
        }).on('error', reject)
      })
    for (const p of ['/nope.html', '/../secret.txt', '/dist/../secret.txt', '/dist/../../demo/secret.txt', '/%2e%2e/secret.txt', '/dist/..%2fsecret.txt', '/dist/%2e%2e%2fsecret.txt', '/a%00b']) {
      const r = await raw(p)
      expect(r.status, p).toBe(404)
      expect(r.text).not.toContain('TOP-SECRET')
    }
    expect((await ctx.call('POST', '/index.html')).status).toBe(405)
  })

  it('keeps API paths from colliding with static files', async () => {
    expectError(await ctx.call('GET', '/app_sessions/x.txt'), 404) // an API 404, not the file
    expectError(await ctx.call('GET', '/sessions/sess_blue_01/nope'), 404)
    expectError(await ctx.call('GET', '/channels'), 404)
  })

  it('answers 405 with Allow for a wrong method on an API path', async () => {
    const r = await ctx.call('PUT', '/sessions/sess_blue_01')
    expectError(r, 405)
    expect(r.headers.get('allow')).toBe('GET, OPTIONS')
    const getNew = await ctx.call('GET', '/app_sessions/new/x')
    expect([getNew.status, getNew.headers.get('allow')]).toEqual([405, 'POST, OPTIONS'])
    expect((await ctx.call('DELETE', '/app_sessions')).headers.get('allow')).toBe('GET, OPTIONS')
  })

  it('answers 400 to a malformed path and to garbage HTTP, and keeps serving', async () => {
    expectError(await ctx.call('GET', '/sessions/%E0%A4%A'), 400)
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(new URL(ctx.url).port), '127.0.0.1', () => socket.write('NONSENSE \x01\r\n\r\n'))
      let data = ''
      socket.on('data', (d) => (data += d))
      socket.on('end', () => resolve(data))
      socket.on('error', reject)
      socket.setTimeout(5000, () => reject(new Error('no reply')))
    })
    expect(reply).toMatch(/^HTTP\/1\.1 400/)
    expect((await ctx.call('GET', '/sessions/sess_blue_01')).status).toBe(200)
  })

  it('serves the demo users and their avatars', async () => {
    const users = (await ctx.call('GET', '/_demo/users')).json
    expect(users.map((u: { handle: string; token: string; support: boolean }) => [u.handle, u.token, u.support])).toEqual([
      ['alice', 'demo-alice', false], ['bob', 'demo-bob', false], ['carol', 'demo-carol', false], ['dave', 'demo-dave', false], ['sam', 'demo-support', true],
    ])
    expect((await ctx.call('GET', '/_demo/channels')).json.map((c: { name: string }) => c.name)).toEqual(['Blue Room', 'Town Hall', 'Support Desk'])
    const svg = await ctx.call('GET', '/_demo/image/person/1001.svg?size=32')
    expect(svg.headers.get('content-type')).toBe('image/svg+xml')
    expect(svg.text).toMatch(/^<svg[^>]*width="32"[\s\S]*>AL</)
    expect((await ctx.call('GET', '/_demo/image/session/sess_town_01.svg')).text).toContain('>AH<') // All-hands November
    expectError(await ctx.call('GET', '/_demo/image/other/1.svg'), 404)
  })
})

describe('command line', () => {
  /** Starts `node demo/server.mjs` and resolves with its URL once it prints it. */
  function run(args: string[]) {
    const child = spawn(process.execPath, [SERVER_FILE, ...args], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const url = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 15_000)
      child.stdout.on('data', () => {
        const m = /listening on (http:\/\/\S+)/.exec(out)
        if (m) {
          clearTimeout(timer)
          resolve(m[1])
        }
      })
      child.on('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`exited ${code}: ${out}`))
      })
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    return { child, url, exited, output: () => out }
  }

  it('starts, prints the URLs, persists with --data, and restarts with the same data', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'horn-demo-cli-'))
    const dataFile = path.join(dir, 'demo.json')
    try {
      const first = run(['--data', dataFile, '--latency', '1'])
      const url = await first.url
      expect(first.output()).toContain(`log viewer     ${url}/viewer.html`)
      expect(first.output()).toContain(`database       ${dataFile}`)
      expect(first.output()).not.toContain('/_control') // no --fault-controls
      const { id } = await (await fetch(`${url}/app_sessions/new/cli`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ started: 1, url: 'cli' }) })).json()
      expect((await fetch(`${url}/app_sessions/${id}/logs`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ index: 0, time: 1, data: 'kept\n' }) })).status).toBe(200)
      first.child.kill('SIGTERM')
      expect(await first.exited).toBe(0)

      const second = run(['--data', dataFile, '--fault-controls', '--body-limit', '1k'])
      const url2 = await second.url
      expect(second.output()).toContain('/_control/logs-down')
      expect(await (await fetch(`${url2}/app_sessions/${id}/logs`, { headers: auth('support') })).text()).toBe('kept\n')
      const big = await fetch(`${url2}/app_sessions/${id}/logs`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ index: 1, time: 1, data: 'x'.repeat(1100) }) })
      expect(big.status).toBe(413)
      second.child.kill('SIGTERM')
      expect(await second.exited).toBe(0)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it.each([['--fail-rate', '2'], ['--total-quota', 'lots'], ['--body-limit', '0']])('exits 2 with the usage on a bad flag value: %s %s', async (...args) => {
    const bad = run(args)
    bad.url.catch(() => {})
    expect(await bad.exited).toBe(2)
    expect(bad.output()).toContain('usage:')
  })
})

describe('access: every read needs a token, and sees only what the caller may', () => {
  let ids: Record<string, string>
  beforeEach(async () => {
    await use()
    ids = {
      blue: await ctx.register({ channel: BLUE }), // alice owns Blue, bob operates it
      help: await ctx.register({ channel: HELP }, 'support-widget'), // dave hosts Support Desk
      none: await ctx.register(), // no channel
      carols: await ctx.register(), // linked to carol below
    }
    await ctx.call('POST', `/app_sessions/${ids.carols}/link/user`, { headers: auth('carol') })
  })
  const visible = async (who: string) => {
    const r = await ctx.call('GET', '/app_sessions?limit=100', { headers: auth(who) })
    expect(r.status, r.text).toBe(200)
    return (r.json.results as { id: string }[]).map((a) => Object.entries(ids).find(([, v]) => v === a.id)?.[0]).sort()
  }

  it('answers 401 to app session reads without a token or with an unknown one', async () => {
    for (const p of ['/app_sessions', `/app_sessions/${ids.blue}`, `/app_sessions/${ids.blue}/logs`]) {
      const r = await ctx.call('GET', p, { headers: {} })
      expectError(r, 401)
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/)
      expectError(await ctx.call('GET', p, { headers: { Authorization: 'Bearer demo-mallory' } }), 401)
    }
  })

  it('lists the app sessions linked to the caller and those of channels the caller operates; support staff see all', async () => {
    expect(await visible('alice')).toEqual(['blue'])
    expect(await visible('bob')).toEqual(['blue'])
    expect(await visible('dave')).toEqual(['help'])
    expect(await visible('carol')).toEqual(['carols']) // a participant everywhere: only her own
    expect(await visible('support')).toEqual(['blue', 'carols', 'help', 'none'])
    // Filters narrow within what the caller sees, and total counts only that.
    expect((await ctx.call('GET', `/app_sessions?channel=${HELP}`, { headers: auth('alice') })).json).toEqual({ total: 0, results: [] })
  })

  it("answers 404 for another's app session and its log, as for an unknown id", async () => {
    await ctx.sendLog(ids.help, { index: 0, time: 1, data: 'secret\n' })
    const one = await ctx.call('GET', `/app_sessions/${ids.help}`, { headers: auth('alice') })
    const log = await ctx.call('GET', `/app_sessions/${ids.help}/logs`, { headers: auth('alice') })
    expect(expectError(one, 404)).toBe(`unknown app session "${ids.help}"`)
    expectError(log, 404)
    expect(log.text).not.toContain('secret')
    expect((await ctx.call('GET', `/app_sessions/${ids.help}/logs`, { headers: auth('dave') })).text).toBe('secret\n')
    expect((await ctx.call('GET', `/app_sessions/${ids.carols}`, { headers: auth('carol') })).status).toBe(200)
  })

  it('linking a user makes the app session theirs to read', async () => {
    expectError(await ctx.call('GET', `/app_sessions/${ids.none}`, { headers: auth('carol') }), 404)
    await ctx.call('POST', `/app_sessions/${ids.none}/link/user`, { headers: auth('carol') })
    expect((await ctx.call('GET', `/app_sessions/${ids.none}`, { headers: auth('carol') })).status).toBe(200)
  })

  it.each([
    ['/sessions/sess_blue_01', 'carol'],
    ['/sessions/sess_blue_01/participants', 'dave'],
    ['/sessions/sess_blue_01/recordings', 'support'],
    ['/sessions/sess_help_01', 'alice'],
    [`/channels/${BLUE}/participants`, 'dave'],
    [`/channels/${HELP}/participants`, 'alice'],
  ])('GET %s: 401 without a token, 403 for %s (not an operator of its channel)', async (p, who) => {
    expectError(await ctx.call('GET', p, { headers: {} }), 401)
    expect(expectError(await ctx.call('GET', p, { headers: auth(who) }), 403)).toMatch(/operator/)
  })

  it('lets an operator of the channel read its sessions and participants', async () => {
    expect((await ctx.call('GET', '/sessions/sess_blue_01', { headers: auth('bob') })).status).toBe(200)
    expect((await ctx.call('GET', '/sessions/sess_help_01/recordings', { headers: auth('dave') })).status).toBe(200)
    expect((await ctx.call('GET', `/channels/${TOWN}/participants`, { headers: auth('alice') })).status).toBe(200)
  })

  it("the agent's three calls need no user token (link/user authenticates whoever it links)", async () => {
    const r = await ctx.call('POST', '/app_sessions/new/conference-ui', { body: { started: 1, url: 'u' } })
    expect(r.status).toBe(200)
    expect((await ctx.sendLog(r.json.id, { index: 0, time: 1, data: 'x\n' })).status).toBe(200)
    expect((await ctx.call('POST', `/app_sessions/${r.json.id}/link/user`, { headers: auth('bob') })).status).toBe(200)
  })
})

describe('bounds and bad input', () => {
  it('answers 400 to JSON nested deeper than 8 levels, counting only outside strings', async () => {
    await use()
    const id = await ctx.register()
    const deep = `{"time":1,"index":0,"data":"x\\n","extra":${'['.repeat(8)}1${']'.repeat(8)}}`
    expect(expectError(await ctx.call('POST', `/app_sessions/${id}/logs`, { body: deep }), 400)).toMatch(/nests deeper than 8/)
    const inString = JSON.stringify({ time: 1, index: 0, data: `${'[{'.repeat(50)}"\\\n` })
    expect((await ctx.call('POST', `/app_sessions/${id}/logs`, { body: inString })).status).toBe(200)
    expect(ctx.horn.state.logs(id)).toBe(`${'[{'.repeat(50)}"\\\n`)
    expectError(await ctx.call('POST', '/app_sessions/new/x', { body: `{"started":1,"url":"u","c":${'{"a":'.repeat(9)}1${'}'.repeat(9)}}` }), 400)
  })

  it('survives a few hundred oversized and deeply nested bodies, and keeps answering the others', async () => {
    await use()
    const id = await ctx.register()
    const oversized = JSON.stringify({ time: 1, index: 0, data: 'x'.repeat(300 * 1024) })
    const nested = `{"time":1,"index":0,"data":${'['.repeat(60_000)}${']'.repeat(60_000)}}` // 120 KB: also over the limit
    const nestedSmall = `{"time":1,"index":0,"data":"x","n":${'['.repeat(30_000)}${']'.repeat(30_000)}}` // 60 KB: under it
    const statuses = new Map<number, number>()
    let good = 0
    const ROUNDS = 50
    for (let round = 0; round < ROUNDS; round++) {
      const answers = await Promise.all([
        ctx.call('POST', `/app_sessions/${id}/logs`, { body: oversized }),
        ctx.call('POST', `/app_sessions/${id}/logs`, { body: nested }),
        ctx.call('POST', `/app_sessions/${id}/logs`, { body: nestedSmall }),
        ctx.call('POST', `/app_sessions/${id}/logs`, { body: nestedSmall }),
        ctx.call('POST', '/app_sessions/new/x', { body: nestedSmall }),
        ctx.sendLog(id, { time: 1, index: round, data: `ok ${round}\n` }),
      ])
      for (const a of answers.slice(0, 5)) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1)
      if (answers[5].status === 200) good++
    }
    expect(Object.fromEntries(statuses)).toEqual({ 413: 2 * ROUNDS, 400: 3 * ROUNDS })
    expect(good).toBe(ROUNDS)
    expect(ctx.horn.state.batches(id)).toHaveLength(ROUNDS)
    expect(ctx.horn.state.appSessions()).toHaveLength(1)
    expect((await ctx.call('GET', `/app_sessions/${id}/logs`)).text.split('\n')).toHaveLength(ROUNDS + 1)
  })

  it('answers 507 (with Retry-After) past the per app session quota; other app sessions and retries still pass', async () => {
    await use({ appSessionQuota: 2000 })
    const a = await ctx.register()
    const b = await ctx.register()
    const line = 'x'.repeat(600)
    for (let i = 0; i < 2; i++) expect((await ctx.sendLog(a, { time: 1, index: i, data: line })).status).toBe(200)
    const full = await ctx.sendLog(a, { time: 1, index: 2, data: line })
    expect(expectError(full, 507)).toMatch(/quota of 2000 bytes/)
    expect(full.headers.get('retry-after')).toBe('60')
    expect((await ctx.sendLog(a, { time: 1, index: 1, data: line })).json).toEqual({ index: 1, duplicate: true }) // a retry of what it holds
    expect((await ctx.sendLog(b, { time: 1, index: 0, data: line })).status).toBe(200)
    expect(ctx.horn.state.batches(a)).toHaveLength(2)
  })

  it('answers 507 past the total quota, to registrations and batches alike, and frees it on reset', async () => {
    await use({ totalQuota: 3000 })
    const a = await ctx.register()
    expect((await ctx.sendLog(a, { time: 1, index: 0, data: 'x'.repeat(2000) })).status).toBe(200)
    expect(expectError(await ctx.sendLog(a, { time: 1, index: 1, data: 'x'.repeat(800) }), 507)).toMatch(/the store holds its quota/)
    let refused = 0
    for (let i = 0; i < 10; i++) if ((await ctx.call('POST', '/app_sessions/new/x', { body: { started: 1, url: 'u'.repeat(100) } })).status === 507) refused++
    expect(refused).toBeGreaterThan(0)
    expect(ctx.horn.state.usage().totalBytes).toBeLessThanOrEqual(3000)
    ctx.horn.controls.reset()
    expect(await ctx.register()).toBeTypeOf('string')
  })

  it('answers 415 to a body that is not declared JSON (a cross-site form or no-cors request), on every call that takes one', async () => {
    await use()
    const id = await ctx.register()
    const body = JSON.stringify({ time: 1, index: 0, data: 'x\n' })
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp']) {
      expectError(await ctx.call('POST', `/app_sessions/${id}/logs`, { body, headers: { 'Content-Type': type } }), 415)
      expectError(await ctx.call('POST', '/app_sessions/new/x', { body: '{"started":1,"url":"u"}', headers: { 'Content-Type': type } }), 415)
    }
    // fetch() without a type sends a string body as text/plain: refused too.
    expect((await fetch(`${ctx.url}/app_sessions/${id}/logs`, { method: 'POST', body })).status).toBe(415)
    expect(ctx.horn.state.batches(id)).toEqual([])
    expect((await ctx.call('POST', `/app_sessions/${id}/logs`, { body, headers: { 'Content-Type': 'Application/JSON; charset=utf-8' } })).status).toBe(200)
  })

  it('takes bodiless calls without a type (the agent links a user with no body), but not a body smuggled into them', async () => {
    await use()
    const id = await ctx.register()
    expect((await fetch(`${ctx.url}/app_sessions/${id}/link/user`, { method: 'POST', headers: auth('alice') })).status).toBe(200)
    expect((await fetch(`${ctx.url}/app_sessions/${id}/link/user`, { method: 'POST', headers: { ...JSON_TYPE, ...auth('bob') } })).status).toBe(200)
    expectError(await ctx.call('POST', `/app_sessions/${id}/link/user`, { body: 'x=1', headers: { ...auth('carol'), 'Content-Type': 'text/plain' } }), 415)
    expect((await fetch(`${ctx.url}/channels/${BLUE}/session`, { method: 'DELETE', headers: auth('alice') })).status).toBe(200)
    expect(ctx.horn.state.appSession(id).users.map((u: { handle: string }) => u.handle)).toEqual(['alice', 'bob'])
  })
})

describe('POST /_demo/app_sessions/{id}/channel (the demo page joined a channel)', () => {
  beforeEach(() => use())

  it("adds the channel and its active session once each, so the channel's operators and filters find it", async () => {
    const id = await ctx.register({ channel: TOWN })
    const r = await ctx.call('POST', `/_demo/app_sessions/${id}/channel`, { body: { channel: BLUE } })
    expect(r.json).toEqual({ channels: [TOWN, BLUE], channelsSessions: ['sess_blue_03'] })
    await ctx.call('POST', `/_demo/app_sessions/${id}/channel`, { body: { channel: BLUE } })
    expect(ctx.horn.state.appSession(id)).toMatchObject({ channels: [TOWN, BLUE], channelsSessions: ['sess_blue_03'] })
    expect((await ctx.call('GET', `/app_sessions?channel=${BLUE}`)).json.total).toBe(1)
    expect((await ctx.call('GET', `/app_sessions/${id}`, { headers: auth('bob') })).status).toBe(200) // bob operates Blue
  })

  it('refuses an unknown app session, a missing channel and a body not declared JSON', async () => {
    const id = await ctx.register()
    expectError(await ctx.call('POST', '/_demo/app_sessions/nope/channel', { body: { channel: BLUE } }), 404)
    expectError(await ctx.call('POST', `/_demo/app_sessions/${id}/channel`, { body: {} }), 400)
    expectError(await ctx.call('POST', `/_demo/app_sessions/${id}/channel`, { body: JSON.stringify({ channel: BLUE }), headers: { 'Content-Type': 'text/plain' } }), 415)
    expect(ctx.horn.state.appSession(id).channels).toEqual([])
  })
})
