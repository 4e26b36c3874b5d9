import type { ResolvedConfig } from './config'
import type { InstanceRecord } from './outbox'
import type { RetryPolicy } from './retry'
import { RetryableError } from './retry'
import { classify, post, type Answer } from './transport'
import type { Headers } from './types'

/** An error a Horn request ended with for good: names the call and the status. */
export class HornLoggerError extends Error {
  constructor(message: string, readonly status?: number) {
    super('horn-logger: ' + message)
    this.name = 'HornLoggerError'
  }
}

/** Path of an app session's logs endpoint, below `apiUrl`. */
export const logsPath = (appSessionId: string) => `/app_sessions/${encodeURIComponent(appSessionId)}/logs`

/**
 * One attempt: the answer, or a `RetryableError` when there was none
 * (network error, timeout) or its status is worth another try. An abort by
 * `signal` (the logger closing) is rethrown as it is, ending the retries.
 */
async function attempt(config: ResolvedConfig, signal: AbortSignal, path: string, body?: string, headers?: Headers): Promise<Answer> {
  let answer: Answer
  try {
    answer = await post(config.apiUrl + path, body, {
      headers: { ...config.headers(), ...headers },
      credentials: config.credentials,
      timeout: config.requestTimeout,
      signal,
    })
  } catch (error) {
    // No answer at all: offline, DNS, CORS, reset, timeout. Never a reason to give up.
    if (signal.aborted) throw error
    throw new RetryableError(String(error))
  }
  if (classify(answer.status) === 'retry') throw new RetryableError('HTTP ' + answer.status, answer.retryAfter)
  return answer
}

/**
 * One request through the retry policy: network errors, timeouts and
 * retryable statuses go round again; any other status comes back as it is.
 */
export function request(
  retry: RetryPolicy,
  config: ResolvedConfig,
  signal: AbortSignal,
  path: string,
  body?: string,
  headers?: Headers,
): Promise<Answer> {
  return retry(() => attempt(config, signal, path, body, headers))
}

/**
 * Registers the app session of an instance: `POST /app_sessions/new/{clientId}`,
 * retried until a 2xx carries a non-empty string `id`. Any other answer (a
 * captive portal's page, a proxy's JSON, a body that cannot be read) is
 * transient; only a 4xx other than 408 and 429 is a refusal, and final.
 */
export async function register(retry: RetryPolicy, config: ResolvedConfig, signal: AbortSignal, record: InstanceRecord): Promise<string> {
  const body = JSON.stringify({ started: record.started, url: record.url, channel: record.channel })
  const path = `/app_sessions/new/${encodeURIComponent(record.clientId)}`
  return retry(async () => {
    const { status, text } = await attempt(config, signal, path, body)
    if (status >= 400) throw new HornLoggerError(`registration refused: HTTP ${status}`, status)
    let id: unknown
    try {
      id = status < 300 && (JSON.parse(text) as { id?: unknown }).id
    } catch {}
    if (typeof id == 'string' && id) return id
    throw new RetryableError('no id')
  })
}

/** Links the signed-in user: `POST /app_sessions/{id}/link/user` with the app's headers. */
export async function linkUser(
  retry: RetryPolicy,
  config: ResolvedConfig,
  signal: AbortSignal,
  appSessionId: string,
  headers: Headers | undefined,
): Promise<void> {
  const answer = await request(retry, config, signal, `/app_sessions/${encodeURIComponent(appSessionId)}/link/user`, undefined, headers)
  if (classify(answer.status) !== 'ok') throw new HornLoggerError(`linkUser failed: HTTP ${answer.status}`, answer.status)
}

/**
 * The app session of one instance: registered on first need, once (a
 * refusal is final), its id kept in the instance record.
 */
export function createAppSession(
  retry: RetryPolicy,
  config: ResolvedConfig,
  signal: AbortSignal,
  record: InstanceRecord,
  saveRecord: () => Promise<void>,
): { get(): Promise<string>; forget(): void } {
  let registering: Promise<string> | undefined
  return {
    get() {
      if (record.appSessionId) return Promise.resolve(record.appSessionId)
      return (registering ??= register(retry, config, signal, record).then((id) => {
        record.appSessionId = id
        registering = undefined
        void saveRecord()
        return id
      }))
    },
    forget() {
      record.appSessionId = undefined
    },
  }
}

