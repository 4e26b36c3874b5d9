/**
 * The Horn calls the agent makes, described once: their paths and bodies.
 * The agent (`delivery/client.ts`, `delivery/sender.ts`) and the `horn-logger/api` client
 * (`api/`) both use this module; the types cost the script-tag build nothing.
 */

/** Body of `POST /app_sessions/new/{clientId}`. */
export interface RegisterRequest {
  /** When the application instance started (page load time), ms since the epoch. */
  started: number
  /** The page URL (`location.href`; the agent redacts secret parameters' values). */
  url: string
  /** The Horn channel the application is in, if any. */
  channel?: string | undefined
}

/** Answer of `POST /app_sessions/new/{clientId}`. */
export interface RegisterResponse {
  /** The new app session's id. */
  id: string
}

/** Body of `POST /app_sessions/{appSession}/logs`: one batch of log lines. */
export interface LogRequest {
  /** Time of the batch's first entry, ms since the epoch. */
  time: number
  /** The log data: one line per entry, each ending in `\n`. */
  data: string
  /** Sequence number of the batch, unique within its app session. */
  index?: number | undefined
}

/** A path below `apiUrl` from its segments, each encoded with `encodeURIComponent`. */
export const path = (...segments: string[]): string => segments.map((s) => '/' + encodeURIComponent(s)).join('')

/** `POST /app_sessions/new/{clientId}`. */
export const registerPath = (clientId: string) => path('app_sessions', 'new', clientId)
/** `POST /app_sessions/{appSessionId}/logs`. */
export const logsPath = (appSessionId: string) => path('app_sessions', appSessionId, 'logs')
/** `POST /app_sessions/{appSessionId}/link/user`. */
export const linkUserPath = (appSessionId: string) => path('app_sessions', appSessionId, 'link', 'user')
