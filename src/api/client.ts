/**
 * `horn-logger/api`: a small typed client for the Horn REST API (docs/protocol.md lists its calls).
 *
 * Its own entry point, imported by nothing in the agent, so the script-tag
 * build does not grow by a byte. The request core, the three resource
 * groups and the two error classes; the agent's calls (paths, bodies) and the
 * error base class come from the modules the agent uses too.
 *
 * @packageDocumentation
 */

import { HornError } from '../errors'
import { linkUserPath, logsPath, path, registerPath } from '../wire'
import type { LogRequest, RegisterRequest, RegisterResponse } from '../wire'

export { HornError }
export type { LogRequest, RegisterRequest, RegisterResponse }

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

/** Headers as a plain object: `{ Authorization: "Bearer …" }`. */
export type HornHeaders = Record<string, string>

/** Options of {@link createHornApi}. */
export interface HornApiOptions {
  /**
   * Base URL of the Horn API, without the trailing slash (one is tolerated):
   * `"https://horn.example.com/api"`. An empty string makes every request
   * relative to the page (same origin).
   */
  apiUrl: string
  /**
   * Headers sent with every request: an object, or a function returning one
   * (or a promise of one), called once per request so a refreshed token is
   * picked up. Per-call `headers` ({@link CallOptions}) are merged over these.
   * @default {}
   */
  headers?: HornHeaders | (() => HornHeaders | Promise<HornHeaders>) | undefined
  /**
   * The fetch `credentials` mode (`"include"` to send cookies cross-origin).
   * @default undefined (the browser's default, `"same-origin"`)
   */
  credentials?: RequestCredentials | undefined
  /**
   * The fetch implementation. When absent, `globalThis.fetch` is looked up at
   * every call (so a test may stub it after the client is made).
   * @default globalThis.fetch
   */
  fetch?: typeof fetch | undefined
}

/** Options every call takes as its last argument. */
export interface CallOptions {
  /** Aborts the call; the returned promise then rejects with `signal.reason`. */
  signal?: AbortSignal | undefined
  /** Extra headers for this call only, merged over the client's headers. */
  headers?: HornHeaders | undefined
  /**
   * The fetch `keepalive` flag: lets a small request outlive the page
   * (browsers cap keepalive bodies at 64 KiB in total).
   * @default false
   */
  keepalive?: boolean | undefined
}

// ---------------------------------------------------------------------------
// Wire types (docs/protocol.md, "The Horn REST API"). Timestamps are milliseconds since the epoch.
// ---------------------------------------------------------------------------

/** A list answer: one page of `results` out of `total`. */
export interface Page<T> {
  /** How many items match the query, over all pages. */
  total: number
  /** This page's items. */
  results: T[]
}

/** Pagination of a list call. */
export interface PageQuery {
  /** Items to skip. */
  offset?: number | undefined
  /** Items per page (the server may cap it). */
  limit?: number | undefined
}

/**
 * Query of an `all()` iterator: the list call's filters, the `offset` to start
 * at, and the page size (`limit` of each request).
 */
export type AllQuery<Q extends PageQuery> = Omit<Q, 'limit'> & {
  /**
   * Items asked for per request.
   * @default 100
   */
  pageSize?: number | undefined
}

/**
 * A user linked to an app session. The API reference does not list its fields; servers
 * send at least the participant fields (the reference server adds `linked`,
 * when the user was first linked).
 */
export interface AppSessionUser extends Participant {
  /** Other fields the server sends. */
  [field: string]: unknown
}

/** "One unique instance of a Horn client application being run." */
export interface AppSession {
  id: string
  clientId: string
  url: string
  /** ms since the epoch. */
  started: number
  /** Channels the app session took part in. */
  channels: string[]
  /** Channel sessions the app session took part in. */
  channelsSessions: string[]
  /** Users linked to the app session. */
  users: AppSessionUser[]
}

/** Query of `GET /app_sessions`. */
export interface AppSessionQuery extends PageQuery {
  /** Only app sessions linked to this user. */
  user?: string | number | undefined
  /** Only app sessions that took part in this channel session. */
  channelSession?: string | undefined
  /** Only app sessions that took part in this channel. */
  channel?: string | undefined
  /** Only app sessions whose URL contains this substring. */
  url?: string | undefined
  /** Only app sessions started before this time (ms since the epoch). */
  startedBefore?: number | undefined
  /** Only app sessions started after this time (ms since the epoch). */
  startedAfter?: number | undefined
}

/** Image size query parameter of the session calls. */
export interface ImageQuery {
  /** Size in pixels of the images that the returned `imageUrl`s point to. */
  imgSize?: number | undefined
}

/** A channel session on the streaming server. */
export interface Session {
  id: string
  name: string
  serviceMode: 'conference' | 'panel'
  channel: string
  clientId: string
  participantsCount: number
  hadRecording: boolean
  /** ms since the epoch. */
  created: number
  /** ms since the epoch. */
  started?: number | undefined
  /** ms since the epoch. */
  ended?: number | undefined
  groupId?: string | undefined
  parentId?: string | undefined
  imageUrl?: string | undefined
}

/** A participant of a session or channel. */
export interface Participant {
  /** The user's id. */
  id: number
  /** The user's handle. */
  handle: string
  /** The user's picture, when they have one. */
  imageUrl?: string | undefined
}

/** A recorded asset of a session. */
export interface RecordingAsset {
  id: string
  recordingId: string
  /** `"CMS"`, `"MP4"`, … */
  format: 'CMS' | 'MP4' | (string & {})
  kind: 'audio' | 'video' | 'other'
  state: string
  label: string
  /** ms since the epoch. */
  startTime: number
  /** ms since the epoch. */
  endTime?: number | undefined
  /** Bytes. */
  size?: number | undefined
  url?: string | undefined
  relativePath?: string | undefined
  isIndividual: boolean
  streamUserId?: string | number | undefined
  userId?: string | number | undefined
  group?: string | undefined
}

/** Query of `GET /sessions`. */
export interface SessionQuery extends PageQuery, ImageQuery {
  /** Only sessions of this channel. */
  channel?: string | undefined
  /** Free-text search. */
  search?: string | undefined
  /** @default "started" */
  sort?: 'started' | 'ended' | 'name' | 'presence' | undefined
  /** @default "desc" */
  order?: 'asc' | 'desc' | undefined
  /** Start of the time range, ms since the epoch. */
  from?: number | undefined
  /** End of the time range, ms since the epoch. */
  to?: number | undefined
  /** Only sessions that have (or have not) a recording. */
  hasRecording?: boolean | undefined
}

/** Query of `GET /channels/{uuid}/participants`. */
export interface ParticipantQuery extends PageQuery, ImageQuery {
  /** Free-text search on the handle. */
  search?: string | undefined
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/**
 * The server answered with a non-2xx status (or a 2xx whose JSON body does
 * not parse). An aborted call rejects with the signal's reason instead, and a
 * failed connection with {@link HornNetworkError}.
 */
export class HornApiError extends HornError {
  override name = 'HornApiError'
  /** The HTTP status. */
  readonly status: number
  /** The call, as `"METHOD /path"`: `"GET /sessions/abc"` (no query string, no apiUrl). */
  readonly call: string
  /** The server's error body: parsed as JSON when it is JSON, else the text (`""` when empty). */
  readonly body: unknown
  /** The response headers (`Retry-After`, …). */
  readonly headers: Headers

  constructor(call: string, status: number, body: unknown, headers: Headers, message?: string) {
    super(message ?? `${call} failed with status ${status}`)
    this.call = call
    this.status = status
    this.body = body
    this.headers = headers
  }
}

/**
 * The request never got an answer: DNS, connection refused or reset, CORS,
 * offline. The fetch error (usually a `TypeError`) is `cause`.
 */
export class HornNetworkError extends HornError {
  override name = 'HornNetworkError'
  /** The call, as `"METHOD /path"`. */
  readonly call: string

  constructor(call: string, cause: unknown) {
    super(`${call} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.call = call
  }
}

// ---------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------

/** `/app_sessions`: what the agent writes and what support tools read. */
export interface AppSessionsApi {
  /** `POST /app_sessions/new/{clientId}`: registers a new app session. */
  register(clientId: string, body: RegisterRequest, options?: CallOptions): Promise<RegisterResponse>
  /** `POST /app_sessions/{appSessionId}/logs`: sends one batch of log lines. */
  sendLog(appSessionId: string, body: LogRequest, options?: CallOptions): Promise<void>
  /**
   * `POST /app_sessions/{appSessionId}/link/user`: links the user the request
   * authenticates as (pass their `headers` here or in the client options).
   */
  linkUser(appSessionId: string, options?: CallOptions): Promise<void>
  /** `GET /app_sessions/{appSessionId}`. */
  get(appSessionId: string, options?: CallOptions): Promise<AppSession>
  /** `GET /app_sessions/{appSessionId}/logs`: the session's log data as text, in index order. */
  logs(appSessionId: string, options?: CallOptions): Promise<string>
  /** `GET /app_sessions`: one page of app sessions. */
  query(query?: AppSessionQuery, options?: CallOptions): Promise<Page<AppSession>>
  /** Every app session matching `query`, walking the pages of {@link AppSessionsApi.query}. */
  all(query?: AllQuery<AppSessionQuery>, options?: CallOptions): AsyncGenerator<AppSession, void, undefined>
}

/** `/sessions`: channel sessions on the streaming server. */
export interface SessionsApi {
  /** `GET /sessions/{sessionId}`. */
  get(sessionId: string, query?: ImageQuery, options?: CallOptions): Promise<Session>
  /** `GET /sessions/{sessionId}/participants`. */
  participants(sessionId: string, query?: ImageQuery, options?: CallOptions): Promise<Participant[]>
  /** `GET /sessions/{sessionId}/recordings`. */
  recordings(sessionId: string, options?: CallOptions): Promise<RecordingAsset[]>
  /** `GET /sessions`: one page of sessions (only channels where the caller is at least operator). */
  list(query?: SessionQuery, options?: CallOptions): Promise<Page<Session>>
  /** Every session matching `query`, walking the pages of {@link SessionsApi.list}. */
  all(query?: AllQuery<SessionQuery>, options?: CallOptions): AsyncGenerator<Session, void, undefined>
}

/** `/channels/{uuid}`. */
export interface ChannelsApi {
  /** `GET /channels/{uuid}/participants`: one page, most recent first. */
  participants(uuid: string, query?: ParticipantQuery, options?: CallOptions): Promise<Page<Participant>>
  /** Every participant of the channel, walking the pages of {@link ChannelsApi.participants}. */
  allParticipants(
    uuid: string,
    query?: AllQuery<ParticipantQuery>,
    options?: CallOptions,
  ): AsyncGenerator<Participant, void, undefined>
  /**
   * `DELETE /channels/{uuid}/session/{sessionId?}`: ends the channel's active
   * session, or only `sessionId` if it is the active one.
   */
  endSession(uuid: string, sessionId?: string, options?: CallOptions): Promise<void>
}

/** The client made by {@link createHornApi}. */
export interface HornApi {
  appSessions: AppSessionsApi
  sessions: SessionsApi
  channels: ChannelsApi
}

/** Items per request of the `all()` iterators: big enough to keep requests few, small enough for a quick first item. */
const DEFAULT_PAGE_SIZE = 100

type QueryValue = string | number | boolean | undefined | null
type Parse = 'json' | 'text' | 'none'

interface RequestSpec {
  method: 'GET' | 'POST' | 'DELETE'
  /** Already encoded: built with {@link path}. */
  path: string
  query?: object | undefined
  body?: unknown
  parse: Parse
}


/** `?a=1&b=x` from the defined values of `query`, in key order; `""` when none. */
const queryString = (query: object | undefined): string => {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query ?? {}) as [string, QueryValue][]) {
    if (value !== undefined && value !== null) params.append(key, String(value))
  }
  const s = params.toString()
  return s ? '?' + s : ''
}

/** The reason an aborted signal rejects with (older browsers leave `reason` unset). */
const abortReason = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException('This operation was aborted', 'AbortError')

/**
 * Makes a client for the Horn REST API. Every method takes its path
 * parameters first, then its body or query object, then {@link CallOptions}.
 * Failures reject with {@link HornApiError} (non-2xx answer),
 * {@link HornNetworkError} (no answer), or the signal's reason (aborted).
 *
 * @example
 * ```ts
 * import { createHornApi, HornApiError } from "horn-logger/api"
 *
 * const api = createHornApi({
 *   apiUrl: "https://horn.example.com/api",
 *   headers: () => ({ Authorization: `Bearer ${getToken()}` }),
 * })
 *
 * const { id } = await api.appSessions.register("support-tool", { started: Date.now(), url: location.href })
 * await api.appSessions.sendLog(id, { index: 0, time: Date.now(), data: "INFO hello\n" })
 * console.log(await api.appSessions.logs(id))
 *
 * for await (const session of api.sessions.all({ channel, hasRecording: true })) {
 *   console.log(session.name, await api.sessions.recordings(session.id))
 * }
 *
 * try {
 *   await api.sessions.get("nope", undefined, { signal: AbortSignal.timeout(5000) })
 * } catch (error) {
 *   if (error instanceof HornApiError && error.status === 404) console.log("no such session")
 *   else throw error
 * }
 * ```
 */
export function createHornApi(options: HornApiOptions): HornApi {
  const base = options.apiUrl.replace(/\/+$/, '')
  const { headers, credentials } = options
  const fetchImpl = options.fetch

  async function request<T>(spec: RequestSpec, call: CallOptions = {}): Promise<T> {
    const { signal } = call
    const name = `${spec.method} ${spec.path}`
    if (signal?.aborted) throw abortReason(signal)

    const requestHeaders: HornHeaders = {
      ...(spec.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(typeof headers === 'function' ? await headers() : headers),
      ...call.headers,
    }
    const init: RequestInit = { method: spec.method, headers: requestHeaders }
    if (spec.body !== undefined) init.body = JSON.stringify(spec.body)
    if (credentials !== undefined) init.credentials = credentials
    if (signal) init.signal = signal
    if (call.keepalive) init.keepalive = true

    let response: Response
    let text: string
    try {
      if (signal?.aborted) throw abortReason(signal)
      // Called unbound: `window.fetch` throws "Illegal invocation" when called as a method of another object.
      const f = fetchImpl ?? globalThis.fetch
      response = await f(base + spec.path + queryString(spec.query), init)
      // Always read the body, so the connection is released (undici keeps it otherwise).
      text = await response.text()
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal)
      throw new HornNetworkError(name, error)
    }

    if (!response.ok) {
      throw new HornApiError(name, response.status, parseErrorBody(text), response.headers)
    }
    if (spec.parse === 'text') return text as T
    if (spec.parse === 'none' || text === '') return undefined as T
    try {
      return JSON.parse(text) as T
    } catch {
      throw new HornApiError(name, response.status, text, response.headers, `${name}: the answer is not JSON`)
    }
  }

  /** Yields every item of the pages of `list`, from `query.offset`, until `total` or an empty page. */
  async function* paginate<T, Q extends PageQuery>(
    list: (query: Q, options?: CallOptions) => Promise<Page<T>>,
    query: AllQuery<Q> | undefined,
    call: CallOptions | undefined,
  ): AsyncGenerator<T, void, undefined> {
    const { pageSize = DEFAULT_PAGE_SIZE, ...filters } = query ?? ({} as AllQuery<Q>)
    let offset = filters.offset ?? 0
    for (;;) {
      const page = await list({ ...filters, offset, limit: pageSize } as unknown as Q, call)
      const results = page?.results ?? []
      yield* results
      offset += results.length
      // `total` is re-read from every page; an empty page ends the walk even if `total` says more.
      if (results.length === 0 || offset >= (page?.total ?? 0)) return
    }
  }

  const appSessions: AppSessionsApi = {
    register: (clientId, body, o) =>
      request({ method: 'POST', path: registerPath(clientId), body, parse: 'json' }, o),
    sendLog: (id, body, o) => request({ method: 'POST', path: logsPath(id), body, parse: 'none' }, o),
    linkUser: (id, o) => request({ method: 'POST', path: linkUserPath(id), parse: 'none' }, o),
    get: (id, o) => request({ method: 'GET', path: path('app_sessions', id), parse: 'json' }, o),
    logs: (id, o) => request({ method: 'GET', path: path('app_sessions', id, 'logs'), parse: 'text' }, o),
    query: (query, o) => request({ method: 'GET', path: path('app_sessions'), query, parse: 'json' }, o),
    all: (query, o) => paginate(appSessions.query, query, o),
  }

  const sessions: SessionsApi = {
    get: (id, query, o) => request({ method: 'GET', path: path('sessions', id), query, parse: 'json' }, o),
    participants: (id, query, o) =>
      request({ method: 'GET', path: path('sessions', id, 'participants'), query, parse: 'json' }, o),
    recordings: (id, o) => request({ method: 'GET', path: path('sessions', id, 'recordings'), parse: 'json' }, o),
    list: (query, o) => request({ method: 'GET', path: path('sessions'), query, parse: 'json' }, o),
    all: (query, o) => paginate(sessions.list, query, o),
  }

  const channels: ChannelsApi = {
    participants: (uuid, query, o) =>
      request({ method: 'GET', path: path('channels', uuid, 'participants'), query, parse: 'json' }, o),
    allParticipants: (uuid, query, o) => paginate((q: ParticipantQuery, c) => channels.participants(uuid, q, c), query, o),
    endSession: (uuid, sessionId, o) =>
      request(
        {
          method: 'DELETE',
          path: sessionId === undefined ? path('channels', uuid, 'session') : path('channels', uuid, 'session', sessionId),
          parse: 'none',
        },
        o,
      ),
  }

  return { appSessions, sessions, channels }
}

/** The error body as JSON when it parses, else the text as is. */
function parseErrorBody(text: string): unknown {
  if (text === '') return ''
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
