import type { ResolvedConfig } from '../agent/config'
import type { InstanceRecord } from '../storage/schema'
import type { RetryPolicy } from './retry'
import { RetryableError } from './retry'
import { classify, post, type Answer, type RequestOptions } from './transport'
import type { Headers } from '../types'
import type { RegisterRequest } from '../wire'
import { linkUserPath, registerPath } from '../wire'
import { HornLoggerError } from '../errors'

export interface ClientOptions {
  retry: RetryPolicy
  config: Pick<ResolvedConfig, 'apiUrl' | 'headers' | 'credentials' | 'requestTimeout'>
  /** Aborts every request and backoff of this client (the logger's `close()`, a denial of consent). */
  signal: AbortSignal
  /**
   * No request starts before it resolves (consent), nor after `signal` aborts.
   * @default Promise.resolve()
   */
  gate?: Promise<unknown>
}

/** Requests to the Horn API, bound to one config, retry policy and signal. */
export interface Client {
  /**
   * One request through the retry policy: network errors and retryable
   * statuses go round again; any other status comes back as it is.
   */
  request(path: string, body?: string, headers?: Headers): Promise<Answer>
  /** One request that may outlive the page (`keepalive`), sent once. Rejects only when no answer came. */
  keepalive(path: string, body: string): Promise<Answer>
  /** Registers the app session of an instance: `POST /app_sessions/new/{clientId}`, retried until a 2xx carries an id. */
  register(record: Readonly<InstanceRecord>): Promise<string>
  /** Links the signed-in user: `POST /app_sessions/{id}/link/user` with the app's headers. */
  linkUser(appSessionId: string, headers: Headers | undefined): Promise<void>
}

/** The agent's one client: every request of the agent goes through it (and `post`). */
export function createClient({ retry, config, signal, gate }: ClientOptions): Client {
  /** One POST to the API with the config's headers (plus `headers`), credentials and timeout. */
  const send = (path: string, body: string | undefined, headers: Headers | undefined, options: Pick<RequestOptions, 'keepalive' | 'signal'>) =>
    post(config.apiUrl + path, body, { headers: { ...config.headers(), ...headers }, credentials: config.credentials, timeout: config.requestTimeout, ...options })

  /**
   * One attempt: the answer, or a `RetryableError` when there was none
   * (network error, timeout) or its status is worth another try. An abort by
   * `signal` (the logger closing) is rethrown as it is, ending the retries.
   */
  async function attempt(path: string, body?: string, headers?: Headers): Promise<Answer> {
    let answer: Answer
    await gate
    // Aborted while waiting: `post` would not see an abort that came before it.
    if (signal.aborted) throw signal.reason
    try {
      answer = await send(path, body, headers, { signal })
    } catch (error) {
      // No answer at all: offline, DNS, CORS, reset, timeout. Never a reason to give up.
      if (signal.aborted) throw error
      throw new RetryableError(String(error))
    }
    if (classify(answer.status) === 'retry') throw new RetryableError('HTTP ' + answer.status, answer.retryAfter)
    return answer
  }

  const request = (path: string, body?: string, headers?: Headers) => retry(() => attempt(path, body, headers))

  return {
    request,
    // Only the sender's exit sends one, and never before consent; a denial detaches the exit handler.
    keepalive: (path, body) => send(path, body, undefined, { keepalive: true }),

    /**
     * Retried until a 2xx carries a non-empty string `id`. Any other answer (a
     * captive portal's page, a proxy's JSON, a body that cannot be read) is
     * transient; only a 4xx other than 408 and 429 is a refusal, and final.
     */
    register(record) {
      const body = JSON.stringify({ started: record.started, url: record.url, channel: record.channel } satisfies RegisterRequest)
      const path = registerPath(record.clientId)
      return retry(async () => {
        const { status, text } = await attempt(path, body)
        if (status >= 400) throw new HornLoggerError(`registration refused: HTTP ${status}`, status)
        let id: unknown
        try {
          id = status < 300 && (JSON.parse(text) as { id?: unknown }).id
        } catch {}
        if (typeof id == 'string' && id) return id
        throw new RetryableError('no id')
      })
    },

    async linkUser(appSessionId, headers) {
      const answer = await request(linkUserPath(appSessionId), undefined, headers)
      if (classify(answer.status) !== 'ok') throw new HornLoggerError(`linkUser failed: HTTP ${answer.status}`, answer.status)
    },
  }
}
