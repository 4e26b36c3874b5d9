// The reference Horn server (demo/server.mjs), driven over real HTTP on 127.0.0.1. Channel sessions and channels: one session, participants, recordings, the list, ending one.
import { beforeEach, describe, expect, it } from 'vitest'
import { BLUE, TOWN, HELP, T0, auth, ctx, use, expectError, type Answer } from './harness'

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
