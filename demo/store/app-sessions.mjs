// @ts-check
/**
 * App sessions: registering one, the channels it joined, the users linked to
 * it, who may read it, and the list with its filters.
 */
import { randomUUID } from 'node:crypto'
import { notFound } from './errors.mjs'
import { operatedChannels } from './roles.mjs'

/** What one registration counts against the quotas besides its url and client id (row, index, ids). */
const REGISTRATION_OVERHEAD_BYTES = 256

/**
 * @typedef {import('./fixture.mjs').FixtureUser} FixtureUser
 * @typedef {import('./db.mjs').AppSessionRow} AppSessionRow
 * @typedef {{ id: number, handle: string, imageUrl?: string, linked: number }} AppSessionUser
 *   A linked user: the person, and when it was first linked.
 * @typedef {{ id: string, clientId: string, url: string, started: number, channels: string[], channelsSessions: string[],
 *   users: AppSessionUser[], batchCount: number, updated: number }} AppSession
 *   The Horn API fields, plus `batchCount` and `updated` (ms of the last change) so a viewer can poll cheaply.
 */

/**
 * @param {{ db: ReturnType<typeof import('./db.mjs').createDb>, people: ReturnType<typeof import('./fixture.mjs').createPeople>,
 *   activeSession: (channel: string) => { id: string } | undefined, now: () => number }} deps
 */
export function createAppSessions({ db, people, activeSession, now }) {
  const { person } = people
  const stmts = db.stmts

  /** @param {AppSessionRow} r @returns {AppSession} */
  function appSessionView(r) {
    const users = /** @type {{ user_id: number, linked: number }[]} */ (stmts().users.all(r.id))
    return {
      id: r.id,
      clientId: r.client_id,
      url: r.url,
      started: r.started,
      channels: JSON.parse(r.channels),
      channelsSessions: JSON.parse(r.channels_sessions),
      users: users.map((u) => ({ ...person(u.user_id, undefined), linked: u.linked })),
      batchCount: r.batch_count,
      updated: r.updated,
    }
  }

  /** @param {string} id @returns {AppSessionRow} */
  function appSessionRow(id) {
    const r = /** @type {AppSessionRow | undefined} */ (stmts().appSession.get(id))
    if (!r) throw notFound(`unknown app session "${id}"`)
    return r
  }

  /**
   * Whether `user` may read the app session: support staff read all; others the
   * ones linked to them and those of channels they operate.
   * @param {FixtureUser} user @param {string} id
   */
  function canRead(user, id) {
    const r = /** @type {AppSessionRow | undefined} */ (stmts().appSession.get(id))
    if (!r) return false
    if (user.support) return true
    if (stmts().user.get(id, user.id)) return true
    const operated = new Set(operatedChannels(user))
    return /** @type {string[]} */ (JSON.parse(r.channels)).some((c) => operated.has(c))
  }

  /**
   * Registers a fresh app session. A known channel with an active session adds
   * that session to `channelsSessions`, as the real backend links them.
   * @param {{ clientId: string, started: number, url: string, channel?: string }} input
   */
  function registerAppSession(input) {
    /** @type {string[]} */
    const channelsSessions = []
    if (input.channel !== undefined) {
      const active = activeSession(input.channel)
      if (active) channelsSessions.push(active.id)
    }
    const bytes = REGISTRATION_OVERHEAD_BYTES + Buffer.byteLength(input.url) + Buffer.byteLength(input.clientId) + Buffer.byteLength(input.channel ?? '')
    const id = randomUUID()
    db.write(() => {
      db.checkQuota(bytes)
      stmts().insertAppSession.run({
        id, clientId: input.clientId, url: input.url, started: input.started,
        channels: JSON.stringify(input.channel === undefined ? [] : [input.channel]),
        channelsSessions: JSON.stringify(channelsSessions), updated: now(), bytes,
      })
    })
    db.added(bytes)
    return appSessionView(appSessionRow(id))
  }

  /**
   * The app session joined a channel (the demo page tells the server, as Horn's
   * backend learns it): adds the channel and its active session, once each.
   * @param {string} id @param {string} channel
   */
  function joinChannel(id, channel) {
    db.write(() => {
      const r = appSessionRow(id)
      const list = /** @type {string[]} */ (JSON.parse(r.channels))
      const sessionsList = /** @type {string[]} */ (JSON.parse(r.channels_sessions))
      const active = activeSession(channel)
      const changed = !list.includes(channel) || (active !== undefined && !sessionsList.includes(active.id))
      if (!list.includes(channel)) list.push(channel)
      if (active && !sessionsList.includes(active.id)) sessionsList.push(active.id)
      if (changed) stmts().setChannels.run(JSON.stringify(list), JSON.stringify(sessionsList), now(), id)
    })
    return appSessionView(appSessionRow(id))
  }

  /**
   * Links a fixture user once; linking again keeps the first `linked` time.
   * @param {string} id @param {FixtureUser} user
   * @returns {AppSessionUser}
   */
  function linkUser(id, user) {
    const linked = db.write(() => {
      appSessionRow(id)
      const found = /** @type {{ linked: number } | undefined} */ (stmts().user.get(id, user.id))
      if (found) return found.linked
      const at = now()
      stmts().insertUser.run(id, user.id, at)
      stmts().touch.run(at, id)
      return at
    })
    return { ...person(user.id, undefined), linked }
  }

  /**
   * @param {FixtureUser} caller sees only what `canRead` allows
   * @param {{ offset: number, limit: number, user?: string, channelSession?: string, channel?: string, url?: string,
   *   startedBefore?: number, startedAfter?: number }} f
   *   `user` is a user id or handle; `url` a case-sensitive substring; `startedBefore/After` are exclusive bounds.
   * @returns {{ total: number, results: AppSession[] }} newest `started` first
   */
  function listAppSessions(caller, f) {
    const byHandle = f.user === undefined ? undefined : people.byHandle(f.user)
    const { clause, args } = appSessionFilter(caller, f, byHandle?.id)
    const d = db.database()
    const total = /** @type {{ n: number }} */ (d.prepare(`SELECT COUNT(*) AS n FROM app_sessions a ${clause}`).get(...args)).n
    const rows = /** @type {AppSessionRow[]} */ (d.prepare(`SELECT a.* FROM app_sessions a ${clause} ORDER BY a.started DESC, a.seq DESC LIMIT ? OFFSET ?`)
      .all(...args, f.limit, f.offset))
    return { total, results: rows.map(appSessionView) }
  }

  return {
    appSessionRow, canRead, registerAppSession, joinChannel, linkUser, listAppSessions,
    /** @param {string} id */
    getAppSession: (id) => appSessionView(appSessionRow(id)),
    /** @param {string} id */
    hasAppSession: (id) => stmts().appSession.get(id) !== undefined,
    appSessions: () => /** @type {AppSessionRow[]} */ (stmts().allAppSessions.all()).map(appSessionView),
  }
}

/**
 * The WHERE clause (over `app_sessions a`) and its arguments for a list: what the caller may read, and the filters given.
 * @param {FixtureUser} caller
 * @param {{ user?: string, channelSession?: string, channel?: string, url?: string, startedBefore?: number, startedAfter?: number }} f
 * @param {number | undefined} userIdByHandle the id of the person whose handle is `f.user`, if any
 */
function appSessionFilter(caller, f, userIdByHandle) {
  const where = []
  /** @type {unknown[]} */
  const args = []
  if (!caller.support) {
    where.push(`(EXISTS (SELECT 1 FROM users u WHERE u.app_session = a.id AND u.user_id = ?)
      OR EXISTS (SELECT 1 FROM json_each(a.channels) c WHERE c.value IN (SELECT value FROM json_each(?))))`)
    args.push(caller.id, JSON.stringify(operatedChannels(caller)))
  }
  /** One filter: its condition, with `value` bound to its `?`, when the caller gave it. */
  const filter = (/** @type {unknown} */ value, /** @type {string} */ condition) => {
    if (value === undefined) return
    where.push(condition)
    args.push(value)
  }
  if (f.user !== undefined) {
    filter(userIdByHandle ?? (/^\d+$/.test(f.user) ? Number(f.user) : -1), 'EXISTS (SELECT 1 FROM users u WHERE u.app_session = a.id AND u.user_id = ?)')
  }
  filter(f.channelSession, 'EXISTS (SELECT 1 FROM json_each(a.channels_sessions) c WHERE c.value = ?)')
  filter(f.channel, 'EXISTS (SELECT 1 FROM json_each(a.channels) c WHERE c.value = ?)')
  filter(f.url, 'instr(a.url, ?) > 0') // case-sensitive, unlike LIKE
  filter(f.startedBefore, 'a.started < ?')
  filter(f.startedAfter, 'a.started > ?')
  return { clause: where.length ? `WHERE ${where.join(' AND ')}` : '', args }
}
