// @ts-check
/**
 * The fixture's channels and channel sessions ("Sessions" in the Horn API):
 * their views, the operator rule on every read, and ending the active one
 * (the one change, kept in the database so a restart still sees it ended).
 */
import { notFound, forbidden, StoreError } from './errors.mjs'
import { DEFAULT_IMG_SIZE } from './fixture.mjs'
import { rank, OPERATOR_RANK } from './roles.mjs'

/**
 * @typedef {import('./fixture.mjs').FixtureUser} FixtureUser
 * @typedef {import('./fixture.mjs').FixtureSession} FixtureSession
 */

/**
 * @param {{ fixture: import('./fixture.mjs').Fixture, db: ReturnType<typeof import('./db.mjs').createDb>,
 *   person: ReturnType<typeof import('./fixture.mjs').createPeople>['person'],
 *   imageUrl: import('./fixture.mjs').ImageUrl, now: () => number }} deps
 */
export function createChannelSessions({ fixture, db, person, imageUrl, now }) {
  const channels = new Map(fixture.channels.map((c) => [c.uuid, c]))
  /** @type {Map<string, FixtureSession>} */
  let sessions = new Map()

  function reset() {
    // Copies, so ending a session never edits the fixture object a test passed in.
    sessions = new Map(fixture.sessions.map((s) => [s.id, { ...s }]))
  }
  reset()

  /** The database was opened: the sessions it holds as ended are ended. @param {import('./db.mjs').Statements} q */
  function loadEnded(q) {
    for (const { session, ended } of /** @type {{ session: string, ended: number }[]} */ (q.endedSessions.all())) {
      const s = sessions.get(session)
      if (s) s.ended = ended
    }
  }

  /** @param {FixtureSession} s @param {number | undefined} imgSize */
  const sessionView = (s, imgSize) => viewOf(s, imgSize, fixture, imageUrl)

  /** @param {string} id */
  function sessionRecord(id) {
    const s = sessions.get(id)
    if (!s) throw notFound(`unknown session "${id}"`)
    return s
  }

  /** @param {FixtureUser} caller @param {string} channel */
  function checkOperator(caller, channel, what = 'reading') {
    if (rank(caller, channel) < OPERATOR_RANK) throw forbidden(`${what} channel "${channel}" needs the operator role on it`)
  }

  /** @param {string} channel The running top-level session (breakouts have a `parentId`). */
  function activeSession(channel) {
    let found
    for (const s of sessions.values()) {
      if (s.channel === channel && s.started !== undefined && s.ended === undefined && s.parentId === undefined) {
        if (!found || /** @type {number} */ (s.started) > /** @type {number} */ (found.started)) found = s
      }
    }
    return found
  }

  /** @param {FixtureUser} caller at least operator of the session's channel @param {string} id @param {number | undefined} imgSize */
  function getSession(caller, id, imgSize) {
    const s = sessionRecord(id)
    checkOperator(caller, s.channel)
    return sessionView(s, imgSize)
  }

  /** @param {FixtureUser} caller @param {string} id @param {number | undefined} imgSize */
  function sessionParticipants(caller, id, imgSize) {
    const s = sessionRecord(id)
    checkOperator(caller, s.channel)
    return s.participants.map((p) => person(p, imgSize))
  }

  /** @param {FixtureUser} caller @param {string} id */
  function sessionRecordings(caller, id) {
    checkOperator(caller, sessionRecord(id).channel)
    return fixture.recordings.filter((r) => r.session === id).map(({ session, ...asset }) => asset)
  }

  /**
   * Everyone who took part in one of the channel's sessions, most recently seen first.
   * @param {FixtureUser} caller at least operator of the channel
   * @param {string} uuid
   * @param {{ search?: string, offset: number, limit: number, imgSize?: number }} f `search`: case-insensitive handle substring
   */
  function channelParticipants(caller, uuid, f) {
    if (!channels.has(uuid)) throw notFound(`unknown channel "${uuid}"`)
    checkOperator(caller, uuid)
    const lastSeen = lastSeenIn(sessions.values(), uuid)
    const needle = f.search?.toLowerCase()
    const list = [...lastSeen]
      .map(([id, seen]) => ({ ...person(id, f.imgSize), lastSeen: seen }))
      .filter((p) => needle === undefined || p.handle.toLowerCase().includes(needle))
      .sort((a, b) => b.lastSeen - a.lastSeen || a.id - b.id)
    return { total: list.length, results: list.slice(f.offset, f.offset + f.limit) }
  }

  /**
   * @param {FixtureUser} caller only channels where the caller is at least operator
   * @param {{ channel?: string, search?: string, offset: number, limit: number, imgSize?: number,
   *   sort: 'started' | 'ended' | 'name' | 'presence', order: 'asc' | 'desc', from?: number, to?: number, hasRecording?: boolean }} f
   *   `search`: case-insensitive name substring. `from`/`to`: sessions that were live at some time in [from, to]
   *   (a session not yet started counts from `created`, a running one until now). Missing sort values (not started,
   *   not ended) sort last in either order; ties go by id.
   */
  function listSessions(caller, f) {
    const needle = f.search?.toLowerCase()
    const list = [...sessions.values()]
      .filter((s) => rank(caller, s.channel) >= OPERATOR_RANK)
      .filter((s) => f.channel === undefined || s.channel === f.channel)
      .filter((s) => needle === undefined || s.name.toLowerCase().includes(needle))
      .filter((s) => f.from === undefined || (s.ended ?? Infinity) >= f.from)
      .filter((s) => f.to === undefined || (s.started ?? s.created) <= f.to)
      .map((s) => sessionView(s, f.imgSize))
      .filter((s) => f.hasRecording === undefined || s.hadRecording === f.hasRecording)
    list.sort(sessionOrder(f.sort, f.order))
    return { total: list.length, results: list.slice(f.offset, f.offset + f.limit) }
  }

  /**
   * Ends the channel's active session (and its running breakouts), or refuses
   * when `sessionId` is given and is not the active one.
   * @param {FixtureUser} caller must be at least operator on the channel
   * @param {string} uuid @param {string | undefined} sessionId
   */
  function endActiveSession(caller, uuid, sessionId) {
    if (!channels.has(uuid)) throw notFound(`unknown channel "${uuid}"`)
    if (rank(caller, uuid) < OPERATOR_RANK) throw forbidden(`ending a session of channel "${uuid}" needs the operator role`)
    const active = activeSession(uuid)
    if (sessionId !== undefined && sessionId !== active?.id) {
      const s = sessions.get(sessionId)
      if (!s || s.channel !== uuid) throw notFound(`unknown session "${sessionId}" in channel "${uuid}"`)
      throw new StoreError(409, 'conflict', `session "${sessionId}" is not the active session of channel "${uuid}"`)
    }
    if (!active) throw notFound(`channel "${uuid}" has no active session`)
    const at = now()
    const ending = [active, ...[...sessions.values()].filter((s) => s.parentId === active.id && s.started !== undefined && s.ended === undefined)]
    // Written first: the memory copy changes only once the database holds it.
    db.write(() => {
      for (const s of ending) db.stmts().endSession.run(s.id, at)
    })
    for (const s of ending) s.ended = at
    return sessionView(active, undefined)
  }

  return {
    reset, loadEnded, activeSession,
    getSession, sessionParticipants, sessionRecordings, channelParticipants, listSessions, endActiveSession,
    sessions: () => [...sessions.values()].map((s) => sessionView(s, undefined)),
    /** @param {string} id For the demo's avatars only (no access check: a name's initials). */
    sessionName: (id) => sessionRecord(id).name,
    channels: () => [...channels.values()].map((c) => ({ ...c })),
  }
}

/**
 * The comparison for a session list: missing values (not started, not ended) last in either order; ties by id.
 * @param {'started' | 'ended' | 'name' | 'presence'} sort @param {'asc' | 'desc'} order
 * @returns {(a: { id: string, started?: number, ended?: number, name: string, participantsCount: number },
 *   b: { id: string, started?: number, ended?: number, name: string, participantsCount: number }) => number}
 */
function sessionOrder(sort, order) {
  /** @type {(s: any) => number | string | undefined} */
  const key = {
    started: (/** @type {any} */ s) => s.started,
    ended: (/** @type {any} */ s) => s.ended,
    name: (/** @type {any} */ s) => s.name,
    presence: (/** @type {any} */ s) => s.participantsCount,
  }[sort]
  const dir = order === 'asc' ? 1 : -1
  return (a, b) => {
    const ka = key(a)
    const kb = key(b)
    if (ka === undefined || kb === undefined) {
      if (ka !== kb) return ka === undefined ? 1 : -1
    } else if (ka !== kb) {
      return dir * (typeof ka === 'string' ? ka.localeCompare(String(kb)) : ka < /** @type {number} */ (kb) ? -1 : 1)
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  }
}

/**
 * A channel session as the Horn API answers it.
 * @param {FixtureSession} s @param {number | undefined} imgSize
 * @param {import('./fixture.mjs').Fixture} fixture @param {import('./fixture.mjs').ImageUrl} imageUrl
 */
function viewOf(s, imgSize, fixture, imageUrl) {
  return {
    id: s.id,
    name: s.name,
    serviceMode: s.serviceMode,
    channel: s.channel,
    clientId: s.clientId,
    participantsCount: s.participants.length,
    hadRecording: fixture.recordings.some((r) => r.session === s.id),
    created: s.created,
    started: s.started,
    ended: s.ended,
    groupId: s.groupId,
    parentId: s.parentId,
    imageUrl: imageUrl('session', s.id, imgSize ?? DEFAULT_IMG_SIZE),
  }
}

/**
 * When each participant of the channel's sessions was last there (a session's end, else its start, else its creation).
 * @param {Iterable<FixtureSession>} sessions @param {string} uuid @returns {Map<number, number>}
 */
function lastSeenIn(sessions, uuid) {
  /** @type {Map<number, number>} */
  const lastSeen = new Map()
  for (const s of sessions) {
    if (s.channel !== uuid) continue
    const seen = s.ended ?? s.started ?? s.created
    for (const p of s.participants) lastSeen.set(p, Math.max(lastSeen.get(p) ?? -Infinity, seen))
  }
  return lastSeen
}
