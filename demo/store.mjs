// @ts-check
/**
 * The reference server's data: app sessions and their log batches (in memory,
 * optionally persisted to one JSON file), plus the fixture's people, channels,
 * sessions and recordings. Knows nothing of HTTP; it throws `HttpError` only so
 * the server can turn a refusal into a status without a second lookup.
 */
import { readFileSync, promises as fsp } from 'node:fs'
import { randomUUID } from 'node:crypto'
import path from 'node:path'

export class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} message what was wrong, sent as `{ error }`
   * @param {Record<string, string>} [headers]
   */
  constructor(status, message, headers) {
    super(message)
    this.status = status
    this.headers = headers
  }
}

/** participant < operator = host < admin = owner; `GET /sessions` needs at least operator. */
export const ROLE_RANK = /** @type {Record<string, number>} */ ({ participant: 1, operator: 2, host: 2, admin: 3, owner: 3 })
export const OPERATOR_RANK = 2

/** Marks the `--data` file so a wrong path is refused instead of overwritten. */
const FILE_FORMAT = 'horn-demo-store'
const FILE_VERSION = 1
/** Coalesce writes: at most one every 200 ms while batches pour in (a 10,000-entry burst is many batches). */
const SAVE_DELAY_MS = 200
const DEFAULT_IMG_SIZE = 64

/**
 * @typedef {{ id: number, handle: string, name?: string, image?: boolean }} Person
 * @typedef {{ id: number, token: string, roles: Record<string, string> }} FixtureUser
 * @typedef {{ uuid: string, name: string, clientId: string }} Channel
 * @typedef {{ id: string, name: string, serviceMode: 'conference' | 'panel', channel: string, clientId: string,
 *   created: number, started?: number, ended?: number, groupId?: string, parentId?: string, participants: number[] }} FixtureSession
 * @typedef {Record<string, unknown> & { session: string, id: string }} FixtureRecording
 * @typedef {{ people: Person[], users: FixtureUser[], channels: Channel[], sessions: FixtureSession[], recordings: FixtureRecording[] }} Fixture
 *
 * @typedef {{ id: number, handle: string, imageUrl?: string, linked: number }} AppSessionUser
 *   A linked user: the person, and when it was first linked.
 * @typedef {{ id: string, clientId: string, url: string, started: number, channels: string[], channelsSessions: string[],
 *   users: AppSessionUser[], batchCount: number, updated: number }} AppSession
 *   The SPEC fields, plus `batchCount` and `updated` (ms of the last change) so a viewer can poll cheaply.
 * @typedef {{ index: number, time: number, data: string, body: string, received: number }} Batch
 *   `body` is the request body exactly as received: a retry must match it byte for byte.
 * @typedef {{ id: string, clientId: string, url: string, started: number, channels: string[], channelsSessions: string[],
 *   users: { id: number, linked: number }[], batches: Map<number, Batch>, seq: number, updated: number }} AppSessionRecord
 * @typedef {(kind: 'person' | 'session', id: string | number, size: number) => string} ImageUrl
 */

/**
 * Reads and sanity-checks a fixture file.
 * @param {string} file
 * @returns {Fixture}
 */
export function loadFixture(file) {
  const fixture = JSON.parse(readFileSync(file, 'utf8'))
  for (const key of ['people', 'users', 'channels', 'sessions', 'recordings']) {
    if (!Array.isArray(fixture[key])) throw new Error(`fixture ${file}: "${key}" must be an array`)
  }
  return fixture
}

/**
 * @param {{ fixture: Fixture, dataFile?: string, now?: () => number, imageUrl?: ImageUrl, log?: (msg: string) => void }} options
 */
export function createStore(options) {
  const { fixture, dataFile } = options
  const now = options.now ?? Date.now
  const imageUrl = options.imageUrl ?? ((kind, id, size) => `/_demo/image/${kind}/${encodeURIComponent(String(id))}.svg?size=${size}`)
  const log = options.log ?? ((msg) => process.stderr.write(`${msg}\n`))

  const people = new Map(fixture.people.map((p) => [p.id, p]))
  const usersByToken = new Map(fixture.users.map((u) => [u.token, u]))
  const channels = new Map(fixture.channels.map((c) => [c.uuid, c]))
  /** @type {Map<string, FixtureSession>} */
  let sessions
  /** @type {Map<string, AppSessionRecord>} */
  let appSessions
  let seq = 0
  resetData()

  function resetData() {
    // Copies, so ending a session never edits the fixture object a test passed in.
    sessions = new Map(fixture.sessions.map((s) => [s.id, { ...s }]))
    appSessions = new Map()
    seq = 0
  }

  /** @param {number} id @param {number | undefined} size */
  function person(id, size) {
    const p = people.get(id)
    /** @type {{ id: number, handle: string, imageUrl?: string }} */
    const view = { id, handle: p?.handle ?? `user-${id}` }
    if (p && p.image !== false) view.imageUrl = imageUrl('person', id, size ?? DEFAULT_IMG_SIZE)
    return view
  }

  // ---- users and roles -------------------------------------------------------

  /** @param {string | undefined} token @returns {FixtureUser | undefined} */
  function userByToken(token) {
    return token ? usersByToken.get(token) : undefined
  }

  /** @param {FixtureUser | undefined} user @param {string} channel */
  function rank(user, channel) {
    return (user && ROLE_RANK[user.roles[channel]]) || 0
  }

  // ---- app sessions ----------------------------------------------------------

  /** @param {AppSessionRecord} r @returns {AppSession} */
  function appSessionView(r) {
    return {
      id: r.id,
      clientId: r.clientId,
      url: r.url,
      started: r.started,
      channels: [...r.channels],
      channelsSessions: [...r.channelsSessions],
      users: r.users.map((u) => ({ ...person(u.id, undefined), linked: u.linked })),
      batchCount: r.batches.size,
      updated: r.updated,
    }
  }

  /** @param {string} id */
  function appSessionRecord(id) {
    const r = appSessions.get(id)
    if (!r) throw new HttpError(404, `unknown app session "${id}"`)
    return r
  }

  /**
   * Registers a fresh app session. A known channel with an active session adds
   * that session to `channelsSessions`, as the real backend links them.
   * @param {{ clientId: string, started: number, url: string, channel?: string }} input
   */
  function registerAppSession(input) {
    const channelsSessions = []
    if (input.channel !== undefined) {
      const active = activeSession(input.channel)
      if (active) channelsSessions.push(active.id)
    }
    /** @type {AppSessionRecord} */
    const r = {
      id: randomUUID(),
      clientId: input.clientId,
      url: input.url,
      started: input.started,
      channels: input.channel === undefined ? [] : [input.channel],
      channelsSessions,
      users: [],
      batches: new Map(),
      seq: seq++,
      updated: now(),
    }
    appSessions.set(r.id, r)
    scheduleSave()
    return appSessionView(r)
  }

  /**
   * Keeps the first body per index. Without an index the batch gets the next
   * one after the highest stored (so an index-less retry is stored twice: that
   * is why the agent always sends one).
   * @param {string} id
   * @param {{ time: number, data: string, index?: number }} batch validated
   * @param {string} body the raw request body
   * @returns {{ index: number, duplicate: boolean }}
   */
  function addBatch(id, batch, body) {
    const r = appSessionRecord(id)
    const index = batch.index ?? nextIndex(r)
    const stored = r.batches.get(index)
    if (stored) {
      if (stored.body === body) return { index, duplicate: true }
      const same = stored.time === batch.time && stored.data === batch.data
      const msg = same
        ? `index ${index} of app session "${id}" is already stored with a body that differs in bytes (same time and data); retries must resend the identical body`
        : `index ${index} of app session "${id}" is already stored with a different body`
      log(`horn-demo: 409 ${msg}`)
      throw new HttpError(409, msg)
    }
    r.batches.set(index, { index, time: batch.time, data: batch.data, body, received: now() })
    r.updated = now()
    scheduleSave()
    return { index, duplicate: false }
  }

  /** @param {AppSessionRecord} r */
  function nextIndex(r) {
    let max = -1
    for (const i of r.batches.keys()) if (i > max) max = i
    return max + 1
  }

  /** @param {string} id @returns {Batch[]} in index order */
  function batches(id) {
    return [...appSessionRecord(id).batches.values()].sort((a, b) => a.index - b.index).map((b) => ({ ...b }))
  }

  /** @param {string} id */
  function logText(id) {
    return batches(id).map((b) => b.data).join('')
  }

  /**
   * Links a fixture user once; linking again keeps the first `linked` time.
   * @param {string} id @param {FixtureUser} user
   * @returns {AppSessionUser}
   */
  function linkUser(id, user) {
    const r = appSessionRecord(id)
    let link = r.users.find((u) => u.id === user.id)
    if (!link) {
      link = { id: user.id, linked: now() }
      r.users.push(link)
      r.updated = now()
      scheduleSave()
    }
    return { ...person(user.id, undefined), linked: link.linked }
  }

  /**
   * @param {{ offset: number, limit: number, user?: string, channelSession?: string, channel?: string, url?: string,
   *   startedBefore?: number, startedAfter?: number }} q
   *   `user` is a user id or handle; `url` a case-sensitive substring; `startedBefore/After` are exclusive bounds.
   * @returns {{ total: number, results: AppSession[] }} newest `started` first
   */
  function listAppSessions(q) {
    const list = [...appSessions.values()].filter((r) => {
      if (q.user !== undefined && !r.users.some((u) => String(u.id) === q.user || people.get(u.id)?.handle === q.user)) return false
      if (q.channelSession !== undefined && !r.channelsSessions.includes(q.channelSession)) return false
      if (q.channel !== undefined && !r.channels.includes(q.channel)) return false
      if (q.url !== undefined && !r.url.includes(q.url)) return false
      if (q.startedBefore !== undefined && !(r.started < q.startedBefore)) return false
      if (q.startedAfter !== undefined && !(r.started > q.startedAfter)) return false
      return true
    })
    list.sort((a, b) => b.started - a.started || b.seq - a.seq)
    return { total: list.length, results: list.slice(q.offset, q.offset + q.limit).map(appSessionView) }
  }

  // ---- channel sessions ------------------------------------------------------

  /** @param {FixtureSession} s @param {number | undefined} imgSize */
  function sessionView(s, imgSize) {
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

  /** @param {string} id */
  function sessionRecord(id) {
    const s = sessions.get(id)
    if (!s) throw new HttpError(404, `unknown session "${id}"`)
    return s
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

  /** @param {string} id @param {number | undefined} imgSize */
  function getSession(id, imgSize) {
    return sessionView(sessionRecord(id), imgSize)
  }

  /** @param {string} id @param {number | undefined} imgSize */
  function sessionParticipants(id, imgSize) {
    return sessionRecord(id).participants.map((p) => person(p, imgSize))
  }

  /** @param {string} id */
  function sessionRecordings(id) {
    sessionRecord(id)
    return fixture.recordings.filter((r) => r.session === id).map(({ session, ...asset }) => asset)
  }

  /**
   * Everyone who took part in one of the channel's sessions, most recently seen first.
   * @param {string} uuid
   * @param {{ search?: string, offset: number, limit: number, imgSize?: number }} q `search`: case-insensitive handle substring
   */
  function channelParticipants(uuid, q) {
    if (!channels.has(uuid)) throw new HttpError(404, `unknown channel "${uuid}"`)
    /** @type {Map<number, number>} */
    const lastSeen = new Map()
    for (const s of sessions.values()) {
      if (s.channel !== uuid) continue
      const seen = s.ended ?? s.started ?? s.created
      for (const p of s.participants) lastSeen.set(p, Math.max(lastSeen.get(p) ?? -Infinity, seen))
    }
    const needle = q.search?.toLowerCase()
    const list = [...lastSeen]
      .map(([id, seen]) => ({ ...person(id, q.imgSize), lastSeen: seen }))
      .filter((p) => needle === undefined || p.handle.toLowerCase().includes(needle))
      .sort((a, b) => b.lastSeen - a.lastSeen || a.id - b.id)
    return { total: list.length, results: list.slice(q.offset, q.offset + q.limit) }
  }

  /**
   * @param {FixtureUser} caller only channels where the caller is at least operator
   * @param {{ channel?: string, search?: string, offset: number, limit: number, imgSize?: number,
   *   sort: 'started' | 'ended' | 'name' | 'presence', order: 'asc' | 'desc', from?: number, to?: number, hasRecording?: boolean }} q
   *   `search`: case-insensitive name substring. `from`/`to`: sessions that were live at some time in [from, to]
   *   (a session not yet started counts from `created`, a running one until now). Missing sort values (not started,
   *   not ended) sort last in either order; ties go by id.
   */
  function listSessions(caller, q) {
    const needle = q.search?.toLowerCase()
    const list = [...sessions.values()]
      .filter((s) => rank(caller, s.channel) >= OPERATOR_RANK)
      .filter((s) => q.channel === undefined || s.channel === q.channel)
      .filter((s) => needle === undefined || s.name.toLowerCase().includes(needle))
      .filter((s) => q.from === undefined || (s.ended ?? Infinity) >= q.from)
      .filter((s) => q.to === undefined || (s.started ?? s.created) <= q.to)
      .map((s) => sessionView(s, q.imgSize))
      .filter((s) => q.hasRecording === undefined || s.hadRecording === q.hasRecording)
    /** @type {(s: ReturnType<typeof sessionView>) => number | string | undefined} */
    const key = {
      started: (/** @type {any} */ s) => s.started,
      ended: (/** @type {any} */ s) => s.ended,
      name: (/** @type {any} */ s) => s.name,
      presence: (/** @type {any} */ s) => s.participantsCount,
    }[q.sort]
    const dir = q.order === 'asc' ? 1 : -1
    list.sort((a, b) => {
      const ka = key(a)
      const kb = key(b)
      if (ka === undefined || kb === undefined) {
        if (ka !== kb) return ka === undefined ? 1 : -1
      } else if (ka !== kb) {
        return dir * (typeof ka === 'string' ? ka.localeCompare(String(kb)) : ka < /** @type {number} */ (kb) ? -1 : 1)
      }
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
    })
    return { total: list.length, results: list.slice(q.offset, q.offset + q.limit) }
  }

  /**
   * Ends the channel's active session (and its running breakouts), or refuses
   * when `sessionId` is given and is not the active one.
   * @param {FixtureUser} caller must be at least operator on the channel
   * @param {string} uuid @param {string | undefined} sessionId
   */
  function endActiveSession(caller, uuid, sessionId) {
    if (!channels.has(uuid)) throw new HttpError(404, `unknown channel "${uuid}"`)
    if (rank(caller, uuid) < OPERATOR_RANK) throw new HttpError(403, `ending a session of channel "${uuid}" needs the operator role`)
    const active = activeSession(uuid)
    if (sessionId !== undefined && sessionId !== active?.id) {
      const s = sessions.get(sessionId)
      if (!s || s.channel !== uuid) throw new HttpError(404, `unknown session "${sessionId}" in channel "${uuid}"`)
      throw new HttpError(409, `session "${sessionId}" is not the active session of channel "${uuid}"`)
    }
    if (!active) throw new HttpError(404, `channel "${uuid}" has no active session`)
    const at = now()
    active.ended = at
    for (const s of sessions.values()) {
      if (s.parentId === active.id && s.started !== undefined && s.ended === undefined) s.ended = at
    }
    scheduleSave()
    return sessionView(active, undefined)
  }

  // ---- persistence -----------------------------------------------------------

  let saveTimer = /** @type {NodeJS.Timeout | undefined} */ (undefined)
  let saving = Promise.resolve()

  function scheduleSave() {
    if (!dataFile || saveTimer) return
    saveTimer = setTimeout(() => {
      saveTimer = undefined
      save().catch((err) => log(`horn-demo: could not write ${dataFile}: ${err.message}`))
    }, SAVE_DELAY_MS)
  }

  function snapshot() {
    return {
      format: FILE_FORMAT,
      version: FILE_VERSION,
      savedAt: now(),
      appSessions: [...appSessions.values()].map((r) => ({
        id: r.id, clientId: r.clientId, url: r.url, started: r.started, channels: r.channels,
        channelsSessions: r.channelsSessions, users: r.users, seq: r.seq, updated: r.updated,
        // Only the raw body: time and data are parsed back from it on load.
        batches: [...r.batches.values()].map((b) => [b.index, b.body, b.received]),
      })),
      sessionsEnded: Object.fromEntries([...sessions.values()].filter((s) => s.ended !== undefined).map((s) => [s.id, s.ended])),
    }
  }

  /** Writes the whole store to a temp file, syncs it, then renames it over `dataFile`: a crash leaves the old or the new file, never half of one. */
  function save() {
    if (!dataFile) return Promise.resolve()
    const file = dataFile
    saving = saving.catch(() => {}).then(async () => {
      const text = JSON.stringify(snapshot())
      await fsp.mkdir(path.dirname(file), { recursive: true })
      const tmp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`
      const handle = await fsp.open(tmp, 'w')
      try {
        await handle.writeFile(text)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await fsp.rename(tmp, file)
    })
    return saving
  }

  /** Writes now whatever is pending; resolves once it is on disk. */
  async function flush() {
    if (saveTimer) {
      clearTimeout(saveTimer)
      saveTimer = undefined
      await save()
    } else {
      await saving
    }
  }

  /** Reads `dataFile` if it exists; a file that is not ours is an error, never silently replaced. */
  async function load() {
    if (!dataFile) return
    let text
    try {
      text = await fsp.readFile(dataFile, 'utf8')
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') return
      throw err
    }
    let doc
    try {
      doc = JSON.parse(text)
      if (doc?.format !== FILE_FORMAT || doc.version !== FILE_VERSION || !Array.isArray(doc.appSessions)) throw new Error('not a store file')
      /** @type {Map<string, AppSessionRecord>} */
      const loaded = new Map()
      for (const a of doc.appSessions) {
        /** @type {Map<number, Batch>} */
        const batchMap = new Map()
        for (const [index, body, received] of a.batches) {
          const parsed = JSON.parse(body)
          batchMap.set(index, { index, time: parsed.time, data: parsed.data, body, received })
        }
        loaded.set(a.id, { ...a, users: a.users.map((/** @type {any} */ u) => ({ ...u })), batches: batchMap })
        seq = Math.max(seq, a.seq + 1)
      }
      for (const [id, ended] of Object.entries(doc.sessionsEnded ?? {})) {
        const s = sessions.get(id)
        if (s) s.ended = ended
      }
      appSessions = loaded
    } catch (err) {
      throw new Error(`--data ${dataFile}: not a readable horn demo store (${/** @type {Error} */ (err).message}); move it away or pick another file`)
    }
  }

  return {
    load, flush, userByToken, rank,
    /** Forgets every app session and un-ends the fixture's sessions (persisted too). */
    reset() {
      resetData()
      scheduleSave()
    },
    registerAppSession, addBatch, batches, logText, linkUser, listAppSessions,
    /** @param {string} id */
    getAppSession: (id) => appSessionView(appSessionRecord(id)),
    /** @param {string} id */
    hasAppSession: (id) => appSessions.has(id),
    appSessions: () => [...appSessions.values()].sort((a, b) => a.seq - b.seq).map(appSessionView),
    getSession, sessionParticipants, sessionRecordings, channelParticipants, listSessions, endActiveSession,
    sessions: () => [...sessions.values()].map((s) => sessionView(s, undefined)),
    channels: () => [...channels.values()].map((c) => ({ ...c })),
    people: (/** @type {number} */ id) => person(id, undefined),
    users: () => fixture.users.map((u) => ({ ...person(u.id, undefined), name: people.get(u.id)?.name, token: u.token, roles: { ...u.roles } })),
  }
}
