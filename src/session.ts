import type { ResolvedConfig } from './config'
import type { Outbox } from './outbox'
import type { InstanceRecord } from './schema'
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

export interface ClientOptions {
  retry: RetryPolicy
  config: ResolvedConfig
  /** Aborts every request and backoff of this client (the logger's `close()`). */
  signal: AbortSignal
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
  /** Registers the app session of an instance: `POST /app_sessions/new/{clientId}`, retried until it answers. */
  register(record: Readonly<InstanceRecord>): Promise<string>
  /** Links the signed-in user: `POST /app_sessions/{id}/link/user` with the app's headers. */
  linkUser(appSessionId: string, headers: Headers | undefined): Promise<void>
}

/** The agent's one client: every request of the agent goes through it (and `post`). */
export function createClient({ retry, config, signal }: ClientOptions): Client {
  async function request(path: string, body?: string, headers?: Headers): Promise<Answer> {
    return retry(async () => {
      let answer: Answer
      try {
        answer = await post(config.apiUrl + path, body, {
          headers: { ...config.headers(), ...headers },
          credentials: config.credentials,
          signal,
        })
      } catch (error) {
        // No answer at all: offline, DNS, CORS, reset. Never a reason to give up.
        if (signal.aborted) throw error
        throw new RetryableError(String(error))
      }
      if (classify(answer.status) === 'retry') throw new RetryableError('HTTP ' + answer.status, answer.retryAfter)
      return answer
    })
  }

  return {
    request,
    keepalive: (path, body) => post(config.apiUrl + path, body, { headers: config.headers(), credentials: config.credentials, keepalive: true }),

    async register(record) {
      const body = JSON.stringify({ started: record.started, url: record.url, channel: record.channel })
      const answer = await request(`/app_sessions/new/${encodeURIComponent(record.clientId)}`, body)
      let id: unknown
      try {
        id = classify(answer.status) === 'ok' ? (JSON.parse(answer.text) as { id?: unknown }).id : undefined
      } catch {}
      if (typeof id != 'string' || !id) throw new HornLoggerError(`registration failed: HTTP ${answer.status}`, answer.status)
      return id
    },

    async linkUser(appSessionId, headers) {
      const answer = await request(`/app_sessions/${encodeURIComponent(appSessionId)}/link/user`, undefined, headers)
      if (classify(answer.status) !== 'ok') throw new HornLoggerError(`linkUser failed: HTTP ${answer.status}`, answer.status)
    },
  }
}

/** What the app session needs of the outbox: the record it registers, and where its id is kept. */
export type SessionOwner = Pick<Outbox, 'record' | 'setAppSession'>

/**
 * The app session of one instance: registered on first need, once (a
 * refusal is final), its id kept in the instance record by the outbox
 * (which forgets it when the server did, so the next need registers anew).
 */
export function createAppSession(client: Client, owner: SessionOwner): () => Promise<string> {
  let registering: Promise<string> | undefined
  return () => {
    const known = owner.record.appSessionId
    if (known) return Promise.resolve(known)
    return (registering ??= client.register(owner.record).then((id) => {
      registering = undefined
      void owner.setAppSession(id)
      return id
    }))
  }
}
