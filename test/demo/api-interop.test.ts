// The typed client (src/api.ts) against the reference server: both sides of SPEC section 1 agree.
import { afterAll, beforeAll, expect, it } from 'vitest'
// @ts-expect-error: plain JavaScript module with JSDoc types
import { createHornServer } from '../../demo/server.mjs'
import { createHornApi, HornApiError } from '../../src/api'

const BLUE = '0b8f5e2a-6c1d-4e8f-9a3b-1c2d3e4f5a6b'
const horn = createHornServer({ log: () => {} })
let api: ReturnType<typeof createHornApi>

beforeAll(async () => {
  const { url } = await horn.listen(0)
  // alice: owner of Blue Room, so she reads its app sessions and sessions (reads need a token).
  api = createHornApi({ apiUrl: url, headers: { Authorization: 'Bearer demo-alice' } })
})
afterAll(() => horn.close())

it('registers, sends batches, links the user and reads it all back', async () => {
  const { id } = await api.appSessions.register('conference-ui', { started: 1000, url: 'http://127.0.0.1/interop', channel: BLUE })
  await api.appSessions.sendLog(id, { index: 1, time: 2, data: 'second\n' })
  await api.appSessions.sendLog(id, { index: 0, time: 1, data: 'first\n' })
  await api.appSessions.sendLog(id, { index: 0, time: 1, data: 'first\n' }) // a retry
  await expect(api.appSessions.sendLog(id, { index: 0, time: 1, data: 'other\n' })).rejects.toMatchObject({ status: 409 })
  await api.appSessions.linkUser(id)
  expect(await api.appSessions.logs(id)).toBe('first\nsecond\n')
  const appSession = await api.appSessions.get(id)
  expect(appSession).toMatchObject({ id, channels: [BLUE], channelsSessions: ['sess_blue_03'], users: [{ id: 1001, handle: 'alice' }] })
  expect((await api.appSessions.query({ user: 1001, url: 'interop' })).results.map((a) => a.id)).toEqual([id])
  const all = []
  for await (const a of api.appSessions.all({ channel: BLUE, pageSize: 1 })) all.push(a.id)
  expect(all).toEqual([id])
})

it('reads sessions, participants and recordings, and ends the active session', async () => {
  const page = await api.sessions.list({ sort: 'name', order: 'asc', hasRecording: true, limit: 2, imgSize: 48 })
  expect(page.total).toBe(3)
  expect(page.results.map((s) => s.name)).toEqual(['All-hands November', 'Monday stand-up'])
  const names = []
  for await (const s of api.sessions.all({ channel: BLUE, pageSize: 2 })) names.push(s.id)
  expect(names).toHaveLength(5)
  expect((await api.sessions.get('sess_blue_03a')).parentId).toBe('sess_blue_03')
  expect(await api.sessions.participants('sess_blue_01')).toHaveLength(5)
  // Support Desk is dave's: alice, a participant there, may not read its sessions.
  await expect(api.sessions.participants('sess_help_01')).rejects.toMatchObject({ status: 403 })
  expect((await api.sessions.recordings('sess_town_01')).map((r) => r.state)).toEqual(['processing', 'ready', 'failed'])
  expect((await api.channels.participants(BLUE, { search: 'a', limit: 2 })).total).toBe(6)
  const everyone = []
  for await (const p of api.channels.allParticipants(BLUE, { pageSize: 4 })) everyone.push(p.handle)
  expect(everyone).toHaveLength(9)
  await api.channels.endSession(BLUE, 'sess_blue_03')
  expect((await api.sessions.get('sess_blue_03')).ended).toBeTypeOf('number')
  const err = await api.channels.endSession(BLUE).catch((e) => e)
  expect(err).toBeInstanceOf(HornApiError)
  expect(err.status).toBe(404)
  expect(err.body).toEqual({ error: `channel "${BLUE}" has no active session` })
})
