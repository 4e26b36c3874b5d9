// Every method of the typed client against the reference server (demo/server.mjs)
// and its fixture (demo/fixture.json): channels Blue Room (0b8f…), Town Hall
// (7d1e…), Support Desk (c4a2…); demo users alice (owner of Blue, host of Town),
// bob (operator of Blue), carol (participant only), dave (host of Support).
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createHornApi, HornApiError, type AppSession, type HornApi } from '../../src/api'

const serverFile = fileURLToPath(new URL('../../demo/server.mjs', import.meta.url))

const BLUE = '0b8f5e2a-6c1d-4e8f-9a3b-1c2d3e4f5a6b'
const TOWN = '7d1e9c40-2b5a-4f63-8e7d-9a0b1c2d3e4f'
const HELP = 'c4a2f7b9-3e8d-4c15-b6a0-5d4e3f2a1b0c'
const T0 = 1_764_000_000_000

interface HornServer {
  listen(port?: number, host?: string): Promise<{ url: string; port: number }>
  close(): Promise<void>
  state: {
    requests: { method: string; path: string; status: number }[]
    batches(id: string): { index: number; body: string }[]
    sessions(): { id: string; ended?: number }[]
  }
  controls: {
    reset(): void
    logsDown(seconds: number): number
    setFailRate(rate: number): void
    setLatency(ms: number): void
  }
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` })
const hasError = (status: number, call: string, error: RegExp | string) =>
  expect.objectContaining({ name: 'HornApiError', status, call, body: { error: expect.stringMatching(error) } })

describe('against the reference server (demo/server.mjs)', () => {
  let horn: HornServer
  let url: string
  /** No auth: the agent's three calls need none. */
  let api: HornApi
  /** As alice: operator on Blue and Town. */
  let alice: HornApi
  /** As support staff: reads every app session (app session reads need a token). */
  let support: HornApi

  beforeAll(async () => {
    // A variable specifier keeps tsc from resolving the untyped .mjs.
    const mod = (await import(serverFile)) as { createHornServer: (o?: object) => HornServer }
    horn = mod.createHornServer({ log: () => {} })
    ;({ url } = await horn.listen(0, '127.0.0.1'))
    api = createHornApi({ apiUrl: url })
    alice = createHornApi({ apiUrl: `${url}/`, headers: () => bearer('demo-alice') })
    support = createHornApi({ apiUrl: url, headers: bearer('demo-support') })
  })
  afterAll(() => horn?.close())
  beforeEach(() => horn.controls.reset())

  const register = (n: number, extra: Partial<{ channel: string; url: string }> = {}) =>
    api.appSessions.register('conference-ui', { started: T0 + n, url: extra.url ?? `https://app.test/room?n=${n}`, channel: extra.channel })

  describe('appSessions', () => {
    it('register → sendLog → logs → get → linkUser', async () => {
      const { id } = await api.appSessions.register('conference-ui', { started: T0, url: 'https://app.test/', channel: BLUE })
      expect(id).toEqual(expect.any(String))

      // Out of order on the wire, in index order in the log.
      await api.appSessions.sendLog(id, { time: T0 + 2, data: 'INFO second\n', index: 1 })
      await api.appSessions.sendLog(id, { time: T0 + 1, data: 'INFO first\n', index: 0 })
      // A retry of the same body is accepted (and stored once).
      await api.appSessions.sendLog(id, { time: T0 + 1, data: 'INFO first\n', index: 0 })
      await expect(support.appSessions.logs(id)).resolves.toBe('INFO first\nINFO second\n')
      expect(horn.state.batches(id).map((b) => b.body)).toEqual([
        '{"time":1764000000001,"data":"INFO first\\n","index":0}',
        '{"time":1764000000002,"data":"INFO second\\n","index":1}',
      ])

      await api.appSessions.linkUser(id, { headers: bearer('demo-alice') })
      await api.appSessions.linkUser(id, { headers: bearer('demo-bob') })
      const session: AppSession = await support.appSessions.get(id)
      expect(session).toMatchObject({
        id,
        clientId: 'conference-ui',
        url: 'https://app.test/',
        started: T0,
        channels: [BLUE],
        channelsSessions: ['sess_blue_03'], // Blue's active session when registered
      })
      expect(session.users.map((u) => [u.id, u.handle])).toEqual([
        [1001, 'alice'],
        [1002, 'bob'],
      ])
    })

    it('server refusals are HornApiErrors with the JSON error body', async () => {
      const { id } = await register(1)
      await api.appSessions.sendLog(id, { time: 1, data: 'a\n', index: 0 })
      await expect(api.appSessions.sendLog(id, { time: 1, data: 'b\n', index: 0 })).rejects.toEqual(
        hasError(409, `POST /app_sessions/${id}/logs`, /already stored with a different body/),
      )
      await expect(api.appSessions.linkUser(id)).rejects.toEqual(
        hasError(401, `POST /app_sessions/${id}/link/user`, /needs Authorization/),
      )
      // Reads need a token; another's app session is not found.
      await expect(api.appSessions.get(id)).rejects.toEqual(hasError(401, `GET /app_sessions/${id}`, /needs Authorization/))
      await expect(api.sessions.get('sess_blue_01')).rejects.toMatchObject({ status: 401 })
      await expect(createHornApi({ apiUrl: url, headers: bearer('demo-carol') }).appSessions.logs(id)).rejects.toMatchObject({ status: 404 })
      await expect(api.appSessions.register('c', { started: -1, url: 'u' })).rejects.toEqual(
        hasError(400, 'POST /app_sessions/new/c', /"started" must be a non-negative integer/),
      )
      await expect(support.appSessions.get('no/such id')).rejects.toEqual(
        hasError(404, 'GET /app_sessions/no%2Fsuch%20id', 'unknown app session "no/such id"'),
      )
      await expect(support.appSessions.logs('nope')).rejects.toBeInstanceOf(HornApiError)
      await expect(api.appSessions.sendLog('nope', { time: 1, data: '' })).rejects.toMatchObject({ status: 404 })
    })

    it('encodes an odd client id as one path segment', async () => {
      const { id } = await api.appSessions.register('support/widget ü?#', { started: T0, url: 'u' })
      await expect(support.appSessions.get(id)).resolves.toMatchObject({ clientId: 'support/widget ü?#' })
    })

    it('query filters: user, url, channel, channelSession, startedBefore/After, limit/offset', async () => {
      const a = await register(1, { channel: BLUE, url: 'https://app.test/blue' })
      const b = await register(2, { channel: TOWN, url: 'https://app.test/town' })
      const c = await register(3, { url: 'https://other.test/' })
      await api.appSessions.linkUser(b.id, { headers: bearer('demo-carol') })

      const ids = async (q: Parameters<HornApi['appSessions']['query']>[0]) => {
        const page = await support.appSessions.query(q)
        return { total: page.total, ids: page.results.map((s) => s.id) }
      }
      // Newest `started` first.
      expect(await ids({})).toEqual({ total: 3, ids: [c.id, b.id, a.id] })
      expect(await ids({ user: 'carol' })).toEqual({ total: 1, ids: [b.id] })
      expect(await ids({ user: 1003 })).toEqual({ total: 1, ids: [b.id] })
      expect(await ids({ url: 'app.test' })).toEqual({ total: 2, ids: [b.id, a.id] })
      expect(await ids({ channel: BLUE })).toEqual({ total: 1, ids: [a.id] })
      expect(await ids({ channelSession: 'sess_blue_03' })).toEqual({ total: 1, ids: [a.id] })
      expect(await ids({ startedAfter: T0 + 1, startedBefore: T0 + 3 })).toEqual({ total: 1, ids: [b.id] })
      expect(await ids({ limit: 1, offset: 1, url: undefined })).toEqual({ total: 3, ids: [b.id] })
      await expect(support.appSessions.query({ limit: 5000 })).rejects.toMatchObject({ status: 400, call: 'GET /app_sessions' })
    })

    it('all(): empty, exactly one page, several pages', async () => {
      const idsOf = async (q: Parameters<HornApi['appSessions']['all']>[0]) => {
        const out: string[] = []
        for await (const s of support.appSessions.all(q)) out.push(s.id)
        return out
      }
      const pageRequests = () => horn.state.requests.filter((r) => r.method === 'GET' && r.path === '/app_sessions').length

      expect(await idsOf({})).toEqual([])
      expect(pageRequests()).toBe(1)

      const made: string[] = []
      for (let n = 0; n < 5; n++) made.push((await register(n)).id)
      const newestFirst = [...made].reverse()

      expect(await idsOf({ pageSize: 5 })).toEqual(newestFirst)
      expect(pageRequests()).toBe(2) // exactly one page: total reached, no second request

      expect(await idsOf({ pageSize: 2 })).toEqual(newestFirst)
      expect(pageRequests()).toBe(2 + 3)
      expect(await idsOf({ pageSize: 2, offset: 3 })).toEqual([made[1], made[0]])
    })

    it('all(): total growing between pages is re-read', async () => {
      for (let n = 0; n < 4; n++) await register(n, { url: `https://app.test/${n}` })
      const seen: string[] = []
      for await (const s of support.appSessions.all({ pageSize: 2 })) {
        seen.push(s.url)
        // After the first page, two more sessions appear (newest first: they push the rest back).
        if (seen.length === 1) for (let n = 10; n < 12; n++) await register(n, { url: `https://app.test/${n}` })
      }
      const pages = horn.state.requests.filter((r) => r.method === 'GET' && r.path === '/app_sessions')
      expect(pages).toHaveLength(3) // offsets 0, 2, 4 of a total now 6
      expect(seen).toHaveLength(6)
      expect(seen.slice(0, 2)).toEqual(['https://app.test/3', 'https://app.test/2'])
    })
  })

  describe('sessions', () => {
    it('get, participants, recordings (with imgSize)', async () => {
      const session = await alice.sessions.get('sess_blue_01', { imgSize: 32 })
      expect(session).toMatchObject({
        id: 'sess_blue_01',
        name: 'Monday stand-up',
        serviceMode: 'conference',
        channel: BLUE,
        clientId: 'conference-ui',
        participantsCount: 5,
        hadRecording: true,
        created: 1763740200000,
        started: 1763740800000,
        ended: 1763742600000,
      })
      expect(session.imageUrl).toContain('size=32')
      expect(session.groupId).toBeUndefined()

      const people = await alice.sessions.participants('sess_blue_01', { imgSize: 16 })
      expect(people.map((p) => p.handle)).toEqual(['alice', 'bob', 'carol', 'erin', 'frank'])
      expect(people[0]!.imageUrl).toContain('size=16')

      const recordings = await alice.sessions.recordings('sess_blue_01')
      expect(recordings.map((r) => r.id)).toEqual(['asset_b01_mix', 'asset_b01_alice', 'asset_b01_bob'])
      expect(recordings[0]).toMatchObject({ recordingId: 'rec_b01', format: 'MP4', kind: 'video', isIndividual: false })
      await expect(alice.sessions.recordings('sess_town_02')).resolves.toEqual([])

      await expect(alice.sessions.get('nope')).rejects.toEqual(hasError(404, 'GET /sessions/nope', /unknown session/))
      await expect(alice.sessions.participants('x', { imgSize: 0 })).rejects.toMatchObject({ status: 400 })
      await expect(alice.sessions.recordings('a/b')).rejects.toEqual(
        hasError(404, 'GET /sessions/a%2Fb/recordings', 'unknown session "a/b"'),
      )
    })

    it('list: needs a host, filters, sorts', async () => {
      await expect(api.sessions.list()).rejects.toEqual(hasError(401, 'GET /sessions', /needs Authorization/))

      const everything = await alice.sessions.list({ limit: 1000 })
      expect(everything.total).toBe(7) // Blue (5) and Town (2); not Support, where alice is a participant
      expect(new Set(everything.results.map((s) => s.channel))).toEqual(new Set([BLUE, TOWN]))

      const blueByName = await alice.sessions.list({ channel: BLUE, sort: 'name', order: 'asc' })
      expect(blueByName.results.map((s) => s.name)).toEqual(
        [...blueByName.results.map((s) => s.name)].sort((a, b) => a.localeCompare(b)),
      )
      const recorded = await alice.sessions.list({ hasRecording: true })
      expect(recorded.results.map((s) => s.id).sort()).toEqual(['sess_blue_01', 'sess_blue_03', 'sess_town_01'])
      const notRecorded = await alice.sessions.list({ hasRecording: false, limit: 1000 })
      expect(notRecorded.total).toBe(4)
      const search = await alice.sessions.list({ search: 'STAND' })
      expect(search.results.map((s) => s.id)).toEqual(['sess_blue_01'])
      const window = await alice.sessions.list({ from: 1763827200000, to: 1763834400000, channel: BLUE })
      expect(window.results.map((s) => s.id)).toEqual(['sess_blue_02'])
      const dave = createHornApi({ apiUrl: url, headers: bearer('demo-dave') })
      expect((await dave.sessions.list({ channel: HELP, imgSize: 24 })).results.map((s) => s.id).sort()).toEqual([
        'sess_help_01',
        'sess_help_02',
      ])
    })

    it('all(): walks the pages in the list order', async () => {
      const list = await alice.sessions.list({ limit: 1000, sort: 'started', order: 'asc' })
      const walked: string[] = []
      for await (const s of alice.sessions.all({ sort: 'started', order: 'asc', pageSize: 3 })) walked.push(s.id)
      expect(walked).toEqual(list.results.map((s) => s.id))
      expect(horn.state.requests.filter((r) => r.path === '/sessions')).toHaveLength(1 + 3)

      const none: unknown[] = []
      for await (const s of alice.sessions.all({ channel: HELP })) none.push(s)
      expect(none).toEqual([])
    })
  })

  describe('channels', () => {
    it('participants and allParticipants', async () => {
      const page = await alice.channels.participants(BLUE, { limit: 4, imgSize: 40 })
      expect(page.total).toBe(9)
      expect(page.results).toHaveLength(4)
      expect(page.results[0]!.imageUrl).toContain('size=40')

      const everyone: number[] = []
      for await (const p of alice.channels.allParticipants(BLUE, { pageSize: 4 })) everyone.push(p.id)
      expect(everyone).toHaveLength(9)
      expect(new Set(everyone).size).toBe(9)
      expect(everyone.slice(0, 4)).toEqual(page.results.map((p) => p.id))
      expect(horn.state.requests.filter((r) => r.path === `/channels/${BLUE}/participants`)).toHaveLength(1 + 3)

      const searched: string[] = []
      for await (const p of alice.channels.allParticipants(BLUE, { search: 'AL' })) searched.push(p.handle)
      expect(searched).toEqual(['alice'])

      const exact: number[] = []
      for await (const p of alice.channels.allParticipants(BLUE, { pageSize: 9 })) exact.push(p.id)
      expect(exact).toEqual(everyone)

      await expect(alice.channels.participants('no/such')).rejects.toEqual(
        hasError(404, 'GET /channels/no%2Fsuch/participants', 'unknown channel "no/such"'),
      )
    })

    it('endSession: auth, roles, a session that is not the active one, then the active one', async () => {
      const bob = createHornApi({ apiUrl: url, headers: { ...bearer('demo-bob') } })
      const carol = createHornApi({ apiUrl: url, headers: bearer('demo-carol') })
      const call = `DELETE /channels/${BLUE}/session`

      await expect(api.channels.endSession(BLUE)).rejects.toEqual(hasError(401, call, /needs Authorization/))
      await expect(carol.channels.endSession(BLUE)).rejects.toEqual(hasError(403, call, /needs the operator role/))
      await expect(bob.channels.endSession(BLUE, 'sess_blue_01')).rejects.toEqual(
        hasError(409, `${call}/sess_blue_01`, /is not the active session/),
      )
      await expect(bob.channels.endSession(BLUE, 'sess_blue_03')).resolves.toBeUndefined()
      expect(horn.state.sessions().find((s) => s.id === 'sess_blue_03')?.ended).toEqual(expect.any(Number))
      await expect(bob.channels.endSession(BLUE)).rejects.toEqual(hasError(404, call, /has no active session/))

      await expect(alice.channels.endSession(TOWN)).rejects.toMatchObject({ status: 404 }) // Town has none running
      const dave = createHornApi({ apiUrl: url, headers: bearer('demo-dave') })
      await expect(dave.channels.endSession(HELP)).resolves.toBeUndefined()
      expect(horn.state.sessions().find((s) => s.id === 'sess_help_02')?.ended).toEqual(expect.any(Number))
    })
  })

  describe('faults', () => {
    it('503 with Retry-After from the logs endpoint, and injected failures', async () => {
      const { id } = await register(1)
      horn.controls.logsDown(30)
      const error = (await api.appSessions.sendLog(id, { time: 1, data: 'x\n', index: 0 }).catch((e: unknown) => e)) as HornApiError
      expect(error).toBeInstanceOf(HornApiError)
      expect(error.status).toBe(503)
      expect(error.headers.get('retry-after')).toBe('30')

      horn.controls.setFailRate(1)
      await expect(register(2)).rejects.toEqual(hasError(503, 'POST /app_sessions/new/conference-ui', /injected failure/))
    })

    it('abort while the server delays its answer rejects with the signal reason', async () => {
      horn.controls.setLatency(2000)
      const controller = new AbortController()
      const pending = alice.sessions.get('sess_blue_01', undefined, { signal: controller.signal })
      controller.abort()
      const error = await pending.catch((e: unknown) => e)
      expect(error).toBe(controller.signal.reason)
      expect((error as DOMException).name).toBe('AbortError')

      const timeout = await api.appSessions
        .query({}, { signal: AbortSignal.timeout(50) })
        .catch((e: unknown) => e)
      expect((timeout as DOMException).name).toBe('TimeoutError')
      expect(timeout).not.toBeInstanceOf(HornApiError)
    })
  })
})
