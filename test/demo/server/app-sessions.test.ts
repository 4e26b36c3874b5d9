// The reference Horn server (demo/server.mjs), driven over real HTTP on 127.0.0.1. App sessions: registration, linking a user, the list, and the demo page joining a channel.
import { beforeEach, describe, expect, it } from 'vitest'
import { BLUE, TOWN, T0, auth, ctx, use, expectError } from './harness'

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
