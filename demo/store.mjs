// @ts-check
/**
 * The reference server's data: app sessions, their log batches, linked users,
 * conflicts and ended channel sessions in one SQLite database (better-sqlite3),
 * on disk with `dataFile`, in memory without, plus the fixture's people,
 * channels, sessions and recordings. Knows nothing of HTTP; it throws
 * `HttpError` only so the server can turn a refusal into a status without a
 * second lookup.
 *
 * Every write is one transaction, committed before the call returns: better-sqlite3
 * is synchronous, so the server answers 2xx only after the commit. In WAL mode with
 * `synchronous = NORMAL` a committed transaction survives the process being killed
 * (it is in the WAL, which the next open replays); `synchronous = FULL` also
 * survives a power cut, at an fsync per commit.
 */
import { readFileSync, mkdirSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import Database from 'better-sqlite3'

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

const ONE_MIB = 1024 * 1024
/** One busy app session: a day of debug logging at the agent's pace is a few MiB. */
export const DEFAULT_APP_SESSION_QUOTA = 32 * ONE_MIB
/** The whole store: far below a small disk, and a memory-only store still fits in RAM. */
export const DEFAULT_TOTAL_QUOTA = 512 * ONE_MIB
/** What one registration counts against the quotas besides its url and client id (row, index, ids). */
const REGISTRATION_OVERHEAD_BYTES = 256
/** Conflicts are a diagnostic: keep the latest, never an unbounded table. */
const CONFLICTS_KEPT = 2000
/** A full quota is not transient; the agent retries 5xx, so ask it to wait. */
const QUOTA_RETRY_AFTER_S = 60
/** A failed write (disk full, I/O error) may pass; the agent retries 503. */
const WRITE_RETRY_AFTER_S = 5
/** Marks the database as ours, so a wrong `--data` path is refused instead of written into. */
const APP_ID = 'horn-demo-store'
const SCHEMA_VERSION = 2
/** How long a write waits for a lock another process holds before it fails as a 503. */
const BUSY_TIMEOUT_MS = 250
const DEFAULT_IMG_SIZE = 64

const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- seq: registration order. channels, channels_sessions: JSON arrays of strings.
-- batch_count, bytes: kept with every write, so reads and quota checks need no scan.
CREATE TABLE app_sessions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  client_id TEXT NOT NULL,
  url TEXT NOT NULL,
  started INTEGER NOT NULL,
  channels TEXT NOT NULL,
  channels_sessions TEXT NOT NULL,
  updated INTEGER NOT NULL,
  batch_count INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL
);
CREATE INDEX app_sessions_started ON app_sessions (started DESC, seq DESC);
-- The request body exactly as received: a retry must match it byte for byte; time and data are read from it.
CREATE TABLE logs (
  app_session TEXT NOT NULL,
  idx INTEGER NOT NULL,
  body TEXT NOT NULL,
  received INTEGER NOT NULL,
  PRIMARY KEY (app_session, idx)
) WITHOUT ROWID;
-- rowid keeps the linking order.
CREATE TABLE users (
  app_session TEXT NOT NULL,
  user_id INTEGER NOT NULL,
  linked INTEGER NOT NULL,
  PRIMARY KEY (app_session, user_id)
);
CREATE TABLE conflicts (id INTEGER PRIMARY KEY AUTOINCREMENT, app_session TEXT NOT NULL, idx INTEGER NOT NULL, time INTEGER NOT NULL);
CREATE TABLE sessions_ended (session TEXT PRIMARY KEY, ended INTEGER NOT NULL);
`

/**
 * @typedef {{ id: number, handle: string, name?: string, image?: boolean }} Person
 * @typedef {{ id: number, token: string, roles: Record<string, string>, support?: boolean }} FixtureUser
 *   `support`: support staff, who read every app session (but end no channel session).
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
 *   The Horn API fields, plus `batchCount` and `updated` (ms of the last change) so a viewer can poll cheaply.
 * @typedef {{ index: number, time: number, data: string, body: string, received: number }} Batch
 *   `body` is the request body exactly as received: a retry must match it byte for byte.
 * @typedef {{ seq: number, id: string, client_id: string, url: string, started: number, channels: string,
 *   channels_sessions: string, updated: number, batch_count: number, bytes: number }} AppSessionRow
 * @typedef {(kind: 'person' | 'session', id: string | number, size: number) => string} ImageUrl
 * @typedef {{ appSession?: number, total?: number }} Quotas bytes; see DEFAULT_APP_SESSION_QUOTA, DEFAULT_TOTAL_QUOTA
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
 * @param {{ fixture: Fixture, dataFile?: string, now?: () => number, imageUrl?: ImageUrl, log?: (msg: string) => void,
 *   quotas?: Quotas, syncFull?: boolean }} options
 */
export function createStore(options) {
  const { fixture, dataFile } = options
  const now = options.now ?? Date.now
  const imageUrl = options.imageUrl ?? ((kind, id, size) => `/_demo/image/${kind}/${encodeURIComponent(String(id))}.svg?size=${size}`)
  const appSessionQuota = options.quotas?.appSession ?? DEFAULT_APP_SESSION_QUOTA
  const totalQuota = options.quotas?.total ?? DEFAULT_TOTAL_QUOTA

  const people = new Map(fixture.people.map((p) => [p.id, p]))
  const usersByToken = new Map(fixture.users.map((u) => [u.token, u]))
  const channels = new Map(fixture.channels.map((c) => [c.uuid, c]))
  /** @type {Map<string, FixtureSession>} */
  let sessions = new Map()
  /** The sum of every app session's `bytes`, kept beside the database so a quota check reads no table. */
  let totalBytes = 0
  /** @type {import('better-sqlite3').Database | undefined} */
  let db
  /** @type {ReturnType<typeof prepare> | undefined} */
  let q

  function resetSessions() {
    // Copies, so ending a session never edits the fixture object a test passed in.
    sessions = new Map(fixture.sessions.map((s) => [s.id, { ...s }]))
  }
  resetSessions()

  // ---- the database ------------------------------------------------------------

  /**
   * Opens (or creates) the database; a file that is not ours is an error, never written into.
   * Idempotent. Without `dataFile` the database is in memory: the same code, nothing kept.
   */
  function open() {
    if (db) return
    const file = dataFile ?? ':memory:'
    try {
      if (dataFile) mkdirSync(path.dirname(dataFile), { recursive: true })
      // Only another process can hold the lock; waiting for it blocks every request (the calls are synchronous), so not for long.
      const d = new Database(file, { timeout: BUSY_TIMEOUT_MS })
      try {
        // Reading the header first: a file that is not SQLite fails here, before anything is written.
        const tables = /** @type {{ name: string }[]} */ (d.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all())
        if (tables.length > 0) {
          const ours = tables.some((t) => t.name === 'meta') &&
            /** @type {{ value: string } | undefined} */ (d.prepare("SELECT value FROM meta WHERE key = 'app'").get())?.value === APP_ID
          if (!ours) throw new Error('it is an SQLite database of something else')
          const version = Number(/** @type {{ value: string } | undefined} */ (d.prepare("SELECT value FROM meta WHERE key = 'version'").get())?.value)
          if (version !== SCHEMA_VERSION) throw new Error(`its schema version is ${version}, this server reads ${SCHEMA_VERSION}`)
        }
        if (dataFile) {
          d.pragma('journal_mode = WAL')
          d.pragma(`synchronous = ${options.syncFull ? 'FULL' : 'NORMAL'}`)
        }
        if (tables.length === 0) {
          d.transaction(() => {
            d.exec(SCHEMA)
            d.prepare('INSERT INTO meta (key, value) VALUES (?, ?), (?, ?)').run('app', APP_ID, 'version', String(SCHEMA_VERSION))
          })()
        }
      } catch (err) {
        d.close()
        throw err
      }
      db = d
    } catch (err) {
      const reason = /** @type {Error} */ (err).message
      throw new Error(dataFile ? `--data ${dataFile}: not a readable horn demo store (${reason}); move it away or pick another file` : reason)
    }
    q = prepare(db)
    totalBytes = /** @type {{ n: number }} */ (q.totalBytes.get()).n
    for (const { session, ended } of /** @type {{ session: string, ended: number }[]} */ (q.endedSessions.all())) {
      const s = sessions.get(session)
      if (s) s.ended = ended
    }
  }

  /** @param {import('better-sqlite3').Database} d */
  function prepare(d) {
    return {
      totalBytes: d.prepare('SELECT COALESCE(SUM(bytes), 0) AS n FROM app_sessions'),
      endedSessions: d.prepare('SELECT session, ended FROM sessions_ended'),
      insertAppSession: d.prepare(`INSERT INTO app_sessions (id, client_id, url, started, channels, channels_sessions, updated, bytes)
        VALUES (@id, @clientId, @url, @started, @channels, @channelsSessions, @updated, @bytes)`),
      appSession: d.prepare('SELECT * FROM app_sessions WHERE id = ?'),
      allAppSessions: d.prepare('SELECT * FROM app_sessions ORDER BY seq'),
      setChannels: d.prepare('UPDATE app_sessions SET channels = ?, channels_sessions = ?, updated = ? WHERE id = ?'),
      batch: d.prepare('SELECT idx, body, received FROM logs WHERE app_session = ? AND idx = ?'),
      maxIndex: d.prepare('SELECT MAX(idx) AS m FROM logs WHERE app_session = ?'),
      insertBatch: d.prepare('INSERT INTO logs (app_session, idx, body, received) VALUES (?, ?, ?, ?)'),
      countBatch: d.prepare('UPDATE app_sessions SET batch_count = batch_count + 1, bytes = bytes + ?, updated = ? WHERE id = ?'),
      batches: d.prepare('SELECT idx, body, received FROM logs WHERE app_session = ? ORDER BY idx'),
      batchesAfter: d.prepare('SELECT idx, body FROM logs WHERE app_session = ? AND idx > ? ORDER BY idx LIMIT ?'),
      users: d.prepare('SELECT user_id, linked FROM users WHERE app_session = ? ORDER BY rowid'),
      user: d.prepare('SELECT linked FROM users WHERE app_session = ? AND user_id = ?'),
      insertUser: d.prepare('INSERT INTO users (app_session, user_id, linked) VALUES (?, ?, ?)'),
      touch: d.prepare('UPDATE app_sessions SET updated = ? WHERE id = ?'),
      insertConflict: d.prepare('INSERT INTO conflicts (app_session, idx, time) VALUES (?, ?, ?)'),
      trimConflicts: d.prepare('DELETE FROM conflicts WHERE id <= (SELECT MAX(id) FROM conflicts) - ?'),
      conflicts: d.prepare('SELECT app_session, idx, time FROM conflicts ORDER BY id'),
      endSession: d.prepare('INSERT OR REPLACE INTO sessions_ended (session, ended) VALUES (?, ?)'),
    }
  }

  function stmts() {
    open()
    return /** @type {ReturnType<typeof prepare>} */ (q)
  }

  /**
   * Runs `fn` in one transaction, committed when this returns. A refusal
   * (`HttpError`) rolls back and passes through; a database failure (disk
   * full, I/O error, locked) rolls back and becomes a 503 the agent retries:
   * never a 2xx for what was not written.
   * @template T @param {() => T} fn @returns {T}
   */
  function write(fn) {
    stmts()
    try {
      return /** @type {import('better-sqlite3').Database} */ (db).transaction(fn)()
    } catch (err) {
      if (err instanceof HttpError) throw err
      if (err instanceof Database.SqliteError) {
        ;(options.log ?? ((m) => process.stderr.write(`${m}\n`)))(`horn-demo: write failed: ${err.code} ${err.message}`)
        throw new HttpError(503, `the store could not write (${err.code}); retry later`, { 'Retry-After': String(WRITE_RETRY_AFTER_S) })
      }
      throw err
    }
  }

  /** @param {number} bytes what a write adds @param {AppSessionRow} [row] the app session it goes to */
  function checkQuota(bytes, row) {
    if (row && row.bytes + bytes > appSessionQuota) {
      throw new HttpError(507, `app session "${row.id}" holds its quota of ${appSessionQuota} bytes`, { 'Retry-After': String(QUOTA_RETRY_AFTER_S) })
    }
    if (totalBytes + bytes > totalQuota) {
      throw new HttpError(507, `the store holds its quota of ${totalQuota} bytes`, { 'Retry-After': String(QUOTA_RETRY_AFTER_S) })
    }
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

  /** @param {FixtureUser} user @returns {string[]} the channels where `user` is at least operator */
  function operatedChannels(user) {
    return Object.keys(user.roles).filter((c) => rank(user, c) >= OPERATOR_RANK)
  }

  // ---- app sessions ----------------------------------------------------------

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
    if (!r) throw new HttpError(404, `unknown app session "${id}"`)
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
    write(() => {
      checkQuota(bytes)
      stmts().insertAppSession.run({
        id, clientId: input.clientId, url: input.url, started: input.started,
        channels: JSON.stringify(input.channel === undefined ? [] : [input.channel]),
        channelsSessions: JSON.stringify(channelsSessions), updated: now(), bytes,
      })
    })
    totalBytes += bytes
    return appSessionView(appSessionRow(id))
  }

  /**
   * The app session joined a channel (the demo page tells the server, as Horn's
   * backend learns it): adds the channel and its active session, once each.
   * @param {string} id @param {string} channel
   */
  function joinChannel(id, channel) {
    write(() => {
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
   * Keeps the first body per index. Without an index the batch gets the next
   * one after the highest stored (so an index-less retry is stored twice: that
   * is why the agent always sends one). Committed when this returns.
   * @param {string} id
   * @param {{ time: number, data: string, index?: number }} batch validated
   * @param {string} body the raw request body
   * @returns {{ index: number, duplicate: boolean }}
   */
  function addBatch(id, batch, body) {
    const bytes = Buffer.byteLength(body)
    const result = write(() => {
      const s = stmts()
      const r = appSessionRow(id)
      const index = batch.index ?? (/** @type {{ m: number | null }} */ (s.maxIndex.get(id)).m ?? -1) + 1
      const stored = /** @type {{ body: string } | undefined} */ (s.batch.get(id, index))
      if (stored) {
        if (stored.body === body) return { index, duplicate: true }
        return { index, conflict: stored.body }
      }
      checkQuota(bytes, r)
      s.insertBatch.run(id, index, body, now())
      s.countBatch.run(bytes, now(), id)
      return { index, duplicate: false }
    })
    if ('conflict' in result) {
      const old = JSON.parse(/** @type {string} */ (result.conflict))
      const same = old.time === batch.time && old.data === batch.data
      const msg = same
        ? `index ${result.index} of app session "${id}" is already stored with a body that differs in bytes (same time and data); retries must resend the identical body`
        : `index ${result.index} of app session "${id}" is already stored with a different body`
      ;(options.log ?? ((m) => process.stderr.write(`${m}\n`)))(`horn-demo: 409 ${msg}`)
      // A diagnostic: failing to record it must not turn the 409 into a 503.
      try {
        write(() => {
          stmts().insertConflict.run(id, result.index, now())
          stmts().trimConflicts.run(CONFLICTS_KEPT)
        })
      } catch {
        // the 409 stands
      }
      throw new HttpError(409, msg)
    }
    if (!result.duplicate) totalBytes += bytes
    return /** @type {{ index: number, duplicate: boolean }} */ (result)
  }

  /** @param {{ idx: number, body: string, received: number }} row @returns {Batch} */
  function batchView(row) {
    const { time, data } = JSON.parse(row.body)
    return { index: row.idx, time, data, body: row.body, received: row.received }
  }

  /** @param {string} id @returns {Batch[]} in index order */
  function batches(id) {
    appSessionRow(id)
    return /** @type {{ idx: number, body: string, received: number }[]} */ (stmts().batches.all(id)).map(batchView)
  }

  /** @param {string} id */
  function logText(id) {
    return batches(id).map((b) => b.data).join('')
  }

  /**
   * The log's data, in index order, a page of batches at a time (a reader can
   * stream a large log without holding it whole).
   * @param {string} id @param {number} pageSize
   * @returns {Generator<string[]>}
   */
  function* logPages(id, pageSize) {
    appSessionRow(id)
    let after = -1
    for (;;) {
      const rows = /** @type {{ idx: number, body: string }[]} */ (stmts().batchesAfter.all(id, after, pageSize))
      if (rows.length === 0) return
      after = rows[rows.length - 1].idx
      yield rows.map((r) => JSON.parse(r.body).data)
      if (rows.length < pageSize) return
    }
  }

  /**
   * Links a fixture user once; linking again keeps the first `linked` time.
   * @param {string} id @param {FixtureUser} user
   * @returns {AppSessionUser}
   */
  function linkUser(id, user) {
    const linked = write(() => {
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
    stmts()
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
      const byHandle = [...people.values()].find((p) => p.handle === f.user)
      filter(byHandle?.id ?? (/^\d+$/.test(f.user) ? Number(f.user) : -1), 'EXISTS (SELECT 1 FROM users u WHERE u.app_session = a.id AND u.user_id = ?)')
    }
    filter(f.channelSession, 'EXISTS (SELECT 1 FROM json_each(a.channels_sessions) c WHERE c.value = ?)')
    filter(f.channel, 'EXISTS (SELECT 1 FROM json_each(a.channels) c WHERE c.value = ?)')
    filter(f.url, 'instr(a.url, ?) > 0') // case-sensitive, unlike LIKE
    filter(f.startedBefore, 'a.started < ?')
    filter(f.startedAfter, 'a.started > ?')
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : ''
    const d = /** @type {import('better-sqlite3').Database} */ (db)
    const total = /** @type {{ n: number }} */ (d.prepare(`SELECT COUNT(*) AS n FROM app_sessions a ${clause}`).get(...args)).n
    const rows = /** @type {AppSessionRow[]} */ (d.prepare(`SELECT a.* FROM app_sessions a ${clause} ORDER BY a.started DESC, a.seq DESC LIMIT ? OFFSET ?`)
      .all(...args, f.limit, f.offset))
    return { total, results: rows.map(appSessionView) }
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

  /** @param {FixtureUser} caller @param {string} channel */
  function checkOperator(caller, channel, what = 'reading') {
    if (rank(caller, channel) < OPERATOR_RANK) throw new HttpError(403, `${what} channel "${channel}" needs the operator role on it`)
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
    if (!channels.has(uuid)) throw new HttpError(404, `unknown channel "${uuid}"`)
    checkOperator(caller, uuid)
    /** @type {Map<number, number>} */
    const lastSeen = new Map()
    for (const s of sessions.values()) {
      if (s.channel !== uuid) continue
      const seen = s.ended ?? s.started ?? s.created
      for (const p of s.participants) lastSeen.set(p, Math.max(lastSeen.get(p) ?? -Infinity, seen))
    }
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
    /** @type {(s: ReturnType<typeof sessionView>) => number | string | undefined} */
    const key = {
      started: (/** @type {any} */ s) => s.started,
      ended: (/** @type {any} */ s) => s.ended,
      name: (/** @type {any} */ s) => s.name,
      presence: (/** @type {any} */ s) => s.participantsCount,
    }[f.sort]
    const dir = f.order === 'asc' ? 1 : -1
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
    return { total: list.length, results: list.slice(f.offset, f.offset + f.limit) }
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
    const ending = [active, ...[...sessions.values()].filter((s) => s.parentId === active.id && s.started !== undefined && s.ended === undefined)]
    // Written first: the memory copy changes only once the database holds it.
    write(() => {
      for (const s of ending) stmts().endSession.run(s.id, at)
    })
    for (const s of ending) s.ended = at
    return sessionView(active, undefined)
  }

  return {
    /** Opens the database (creating it if needed); throws on a file that is not ours. */
    load: async () => open(),
    /** Every write is committed when it returns: nothing is pending. */
    flush: async () => {},
    close() {
      db?.close()
      db = undefined
      q = undefined
    },
    userByToken, rank, canRead,
    /** Forgets every app session, log, link and conflict, and un-ends the fixture's sessions (in the database too). */
    reset() {
      write(() => {
        /** @type {import('better-sqlite3').Database} */ (db).exec('DELETE FROM logs; DELETE FROM users; DELETE FROM conflicts; DELETE FROM app_sessions; DELETE FROM sessions_ended;')
      })
      totalBytes = 0
      resetSessions()
    },
    registerAppSession, joinChannel, addBatch, batches, logText, logPages, linkUser, listAppSessions,
    /** @param {string} id */
    getAppSession: (id) => appSessionView(appSessionRow(id)),
    /** @param {string} id */
    hasAppSession: (id) => stmts().appSession.get(id) !== undefined,
    appSessions: () => /** @type {AppSessionRow[]} */ (stmts().allAppSessions.all()).map(appSessionView),
    /** The latest conflicts (a different body for a held index), oldest first. */
    conflicts: () => /** @type {{ app_session: string, idx: number, time: number }[]} */ (stmts().conflicts.all())
      .map((c) => ({ appSessionId: c.app_session, index: c.idx, time: c.time })),
    /** Bytes held, for the quotas. */
    usage: () => ({ totalBytes, totalQuota, appSessionQuota }),
    getSession, sessionParticipants, sessionRecordings, channelParticipants, listSessions, endActiveSession,
    sessions: () => [...sessions.values()].map((s) => sessionView(s, undefined)),
    /** @param {string} id For the demo's avatars only (no access check: a name's initials). */
    sessionName: (id) => sessionRecord(id).name,
    channels: () => [...channels.values()].map((c) => ({ ...c })),
    people: (/** @type {number} */ id) => person(id, undefined),
    users: () => fixture.users.map((u) => ({ ...person(u.id, undefined), name: people.get(u.id)?.name, token: u.token, roles: { ...u.roles }, support: !!u.support })),
  }
}
