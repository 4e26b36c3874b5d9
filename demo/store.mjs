// @ts-check
/**
 * The reference server's data: app sessions, their log batches, linked users,
 * conflicts and ended channel sessions in one SQLite database (better-sqlite3),
 * on disk with `dataFile`, in memory without, plus the fixture's people,
 * channels, sessions and recordings. Knows nothing of HTTP: a refusal is a
 * `StoreError` whose `status` the server sends.
 *
 *   store/db.mjs                schema, opening, the one way to write, quotas
 *   store/fixture.mjs           the fixture file, people and users
 *   store/roles.mjs             role ranks
 *   store/app-sessions.mjs      app sessions, linked users, who reads them
 *   store/logs.mjs              batches (exactly once per index), conflicts
 *   store/channel-sessions.mjs  channels and channel sessions
 */
import { createDb } from './store/db.mjs'
import { createPeople } from './store/fixture.mjs'
import { rank } from './store/roles.mjs'
import { createAppSessions } from './store/app-sessions.mjs'
import { createLogs } from './store/logs.mjs'
import { createChannelSessions } from './store/channel-sessions.mjs'

export { StoreError } from './store/errors.mjs'
export { loadFixture } from './store/fixture.mjs'
export { ROLE_RANK, OPERATOR_RANK } from './store/roles.mjs'
export { DEFAULT_APP_SESSION_QUOTA, DEFAULT_TOTAL_QUOTA } from './store/db.mjs'

/**
 * @typedef {import('./store/fixture.mjs').Fixture} Fixture
 * @typedef {import('./store/fixture.mjs').FixtureUser} FixtureUser
 * @typedef {import('./store/fixture.mjs').ImageUrl} ImageUrl
 * @typedef {import('./store/app-sessions.mjs').AppSession} AppSession
 * @typedef {import('./store/logs.mjs').Batch} Batch
 * @typedef {import('./store/db.mjs').Quotas} Quotas
 */

/**
 * @param {{ fixture: Fixture, dataFile?: string, now?: () => number, imageUrl?: ImageUrl, log?: (msg: string) => void,
 *   quotas?: Quotas, syncFull?: boolean }} options
 */
export function createStore(options) {
  const { fixture } = options
  const now = options.now ?? Date.now
  const log = options.log ?? ((m) => process.stderr.write(`${m}\n`))
  const imageUrl = options.imageUrl ?? ((kind, id, size) => `/_demo/image/${kind}/${encodeURIComponent(String(id))}.svg?size=${size}`)

  const people = createPeople(fixture, imageUrl)
  const db = createDb({
    dataFile: options.dataFile, syncFull: options.syncFull, quotas: options.quotas, log,
    onOpen: (q) => channelSessions.loadEnded(q),
  })
  const channelSessions = createChannelSessions({ fixture, db, person: people.person, imageUrl, now })
  const appSessions = createAppSessions({ db, people, activeSession: channelSessions.activeSession, now })
  const logs = createLogs({ db, appSessionRow: appSessions.appSessionRow, now, log })

  return {
    /** Opens the database (creating it if needed); throws on a file that is not ours. */
    load: async () => db.open(),
    /** Every write is committed when it returns: nothing is pending. */
    flush: async () => {},
    close: db.close,
    userByToken: people.userByToken,
    rank,
    canRead: appSessions.canRead,
    /** Forgets every app session, log, link and conflict, and un-ends the fixture's sessions (in the database too). */
    reset() {
      db.clear()
      channelSessions.reset()
    },
    registerAppSession: appSessions.registerAppSession,
    joinChannel: appSessions.joinChannel,
    linkUser: appSessions.linkUser,
    listAppSessions: appSessions.listAppSessions,
    getAppSession: appSessions.getAppSession,
    hasAppSession: appSessions.hasAppSession,
    appSessions: appSessions.appSessions,
    addBatch: logs.addBatch,
    batches: logs.batches,
    logText: logs.logText,
    logPages: logs.logPages,
    conflicts: logs.conflicts,
    /** Bytes held, for the quotas. */
    usage: db.usage,
    getSession: channelSessions.getSession,
    sessionParticipants: channelSessions.sessionParticipants,
    sessionRecordings: channelSessions.sessionRecordings,
    channelParticipants: channelSessions.channelParticipants,
    listSessions: channelSessions.listSessions,
    endActiveSession: channelSessions.endActiveSession,
    sessions: channelSessions.sessions,
    sessionName: channelSessions.sessionName,
    channels: channelSessions.channels,
    people: (/** @type {number} */ id) => people.person(id, undefined),
    users: people.users,
  }
}
