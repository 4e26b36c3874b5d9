// @ts-check
/**
 * The SQLite database (better-sqlite3): its schema and version check, the
 * prepared statements, the one way to write, and the byte quotas.
 *
 * Every write is one transaction, committed before the call returns: better-sqlite3
 * is synchronous, so the server answers 2xx only after the commit. In WAL mode with
 * `synchronous = NORMAL` a committed transaction survives the process being killed
 * (it is in the WAL, which the next open replays); `synchronous = FULL` also
 * survives a power cut, at an fsync per commit.
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { StoreError } from './errors.mjs'

const ONE_MIB = 1024 * 1024
/** One busy app session: a day of debug logging at the agent's pace is a few MiB. */
export const DEFAULT_APP_SESSION_QUOTA = 32 * ONE_MIB
/** The whole store: far below a small disk, and a memory-only store still fits in RAM. */
export const DEFAULT_TOTAL_QUOTA = 512 * ONE_MIB
/** A full quota is not transient; the agent retries 5xx, so ask it to wait. */
const QUOTA_RETRY_AFTER_S = 60
/** A failed write (disk full, I/O error) may pass; the agent retries 503. */
const WRITE_RETRY_AFTER_S = 5
/** Marks the database as ours, so a wrong `--data` path is refused instead of written into. */
const APP_ID = 'horn-demo-store'
const SCHEMA_VERSION = 2
/** How long a write waits for a lock another process holds before it fails as a 503. */
const BUSY_TIMEOUT_MS = 250

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
 * @typedef {{ seq: number, id: string, client_id: string, url: string, started: number, channels: string,
 *   channels_sessions: string, updated: number, batch_count: number, bytes: number }} AppSessionRow
 * @typedef {{ appSession?: number, total?: number }} Quotas bytes; see DEFAULT_APP_SESSION_QUOTA, DEFAULT_TOTAL_QUOTA
 * @typedef {ReturnType<typeof prepare>} Statements
 */

/**
 * Opens (or creates) the database; a file that is not ours is an error, never written into.
 * Without `dataFile` the database is in memory: the same code, nothing kept.
 * @param {string | undefined} dataFile @param {boolean | undefined} syncFull
 */
function openDatabase(dataFile, syncFull) {
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
        d.pragma(`synchronous = ${syncFull ? 'FULL' : 'NORMAL'}`)
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
    return d
  } catch (err) {
    const reason = /** @type {Error} */ (err).message
    throw new Error(dataFile ? `--data ${dataFile}: not a readable horn demo store (${reason}); move it away or pick another file` : reason)
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

/**
 * The database, opened on first use (or by `open()`), and the bytes it holds.
 * @param {{ dataFile?: string, syncFull?: boolean, quotas?: Quotas, log: (msg: string) => void,
 *   onOpen: (s: Statements) => void }} options `onOpen` reads what the rest of the store keeps in memory
 */
export function createDb(options) {
  const { dataFile } = options
  const appSessionQuota = options.quotas?.appSession ?? DEFAULT_APP_SESSION_QUOTA
  const totalQuota = options.quotas?.total ?? DEFAULT_TOTAL_QUOTA
  /** The sum of every app session's `bytes`, kept beside the database so a quota check reads no table. */
  let totalBytes = 0
  /** @type {import('better-sqlite3').Database | undefined} */
  let db
  /** @type {Statements | undefined} */
  let q

  /** Idempotent. */
  function open() {
    if (db) return
    db = openDatabase(dataFile, options.syncFull)
    q = prepare(db)
    totalBytes = /** @type {{ n: number }} */ (q.totalBytes.get()).n
    options.onOpen(q)
  }

  function stmts() {
    open()
    return /** @type {Statements} */ (q)
  }

  function database() {
    open()
    return /** @type {import('better-sqlite3').Database} */ (db)
  }

  /**
   * Runs `fn` in one transaction, committed when this returns. A refusal
   * (`StoreError`) rolls back and passes through; a database failure (disk
   * full, I/O error, locked) rolls back and becomes a 503 the agent retries:
   * never a 2xx for what was not written.
   * @template T @param {() => T} fn @returns {T}
   */
  function write(fn) {
    try {
      return database().transaction(fn)()
    } catch (err) {
      if (err instanceof StoreError) throw err
      if (err instanceof Database.SqliteError) {
        options.log(`horn-demo: write failed: ${err.code} ${err.message}`)
        throw new StoreError(503, 'write-failed', `the store could not write (${err.code}); retry later`, WRITE_RETRY_AFTER_S)
      }
      throw err
    }
  }

  /** @param {number} bytes what a write adds @param {AppSessionRow} [row] the app session it goes to */
  function checkQuota(bytes, row) {
    if (row && row.bytes + bytes > appSessionQuota) {
      throw new StoreError(507, 'quota', `app session "${row.id}" holds its quota of ${appSessionQuota} bytes`, QUOTA_RETRY_AFTER_S)
    }
    if (totalBytes + bytes > totalQuota) {
      throw new StoreError(507, 'quota', `the store holds its quota of ${totalQuota} bytes`, QUOTA_RETRY_AFTER_S)
    }
  }

  return {
    open, stmts, database, write, checkQuota,
    /** Counts bytes a committed write added. @param {number} bytes */
    added(bytes) {
      totalBytes += bytes
    },
    /** Forgets every app session, log, link, conflict and ended session. */
    clear() {
      write(() => {
        database().exec('DELETE FROM logs; DELETE FROM users; DELETE FROM conflicts; DELETE FROM app_sessions; DELETE FROM sessions_ended;')
      })
      totalBytes = 0
    },
    /** Bytes held, for the quotas. */
    usage: () => ({ totalBytes, totalQuota, appSessionQuota }),
    close() {
      db?.close()
      db = undefined
      q = undefined
    },
  }
}
