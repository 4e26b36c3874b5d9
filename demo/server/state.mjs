// @ts-check
/** `horn.state`: read-only views of what the server holds, for tests and tools; each call returns fresh copies. */

/**
 * @param {{ store: ReturnType<typeof import('../store.mjs').createStore>, faults: ReturnType<typeof import('./faults.mjs').createFaults>,
 *   requests: { method: string, path: string, status: number, time: number, ms: number, headers: import('node:http').IncomingHttpHeaders }[],
 *   url: () => string }} deps
 */
export function createStateView({ store, faults, requests, url }) {
  return {
    /** `http://127.0.0.1:PORT` once listening: the agent's apiUrl. */
    get url() {
      return url()
    },
    get settings() {
      return faults.view()
    },
    /** Every app session, in registration order. */
    appSessions: () => store.appSessions(),
    /** @param {string} id */
    appSession: (id) => (store.hasAppSession(id) ? store.getAppSession(id) : undefined),
    /** Stored batches in index order, each `{ index, time, data, body, received }`. @param {string} id */
    batches: (id) => (store.hasAppSession(id) ? store.batches(id) : []),
    /** What `GET /app_sessions/{id}/logs` answers, or undefined for an unknown id. @param {string} id */
    logs: (id) => (store.hasAppSession(id) ? store.logText(id) : undefined),
    /** The fixture's channel sessions, with `ended` as it is now. */
    sessions: () => store.sessions(),
    /** The last 2000 answered requests, oldest first: `{ method, path, status, time, ms, headers }`. */
    requests,
    /** The latest 409s (a different body for an already stored index), oldest first: `{ appSessionId, index, time }`. */
    get conflicts() {
      return store.conflicts()
    },
    /** Bytes held and the quotas. */
    usage: () => store.usage(),
  }
}
