import { linkUserPath, logsPath, path, registerPath } from '../wire'
import { HornApiError, HornNetworkError } from './errors'
import type { AllQuery, AppSessionsApi, CallOptions, ChannelsApi, HornApi, HornApiOptions, HornHeaders, Page, PageQuery, ParticipantQuery, SessionsApi } from './types'

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
