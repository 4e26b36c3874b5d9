import type { Headers } from '../types'
import { ownRequests } from '../lib/own'

/** What one answer means for the request that got it. */
export type Verdict = 'ok' | 'retry' | 'permanent'

/**
 * Network errors (thrown, not answered), 408, 429 and 5xx are worth another
 * try; any other 4xx will fail the same way again.
 */
export function classify(status: number): Verdict {
  if (status >= 200 && status < 300) return 'ok'
  if (status === 408 || status === 429 || status >= 500) return 'retry'
  return 'permanent'
}

/**
 * Whether a logs request's answer settles its batch as delivered: a 2xx, or
 * 409, which says the server already holds a body for that index (an earlier
 * attempt whose answer was lost, or the keepalive copy sent at unload).
 */
export const delivered = (status: number) => classify(status) === 'ok' || status === 409

/** Longest `Retry-After` honoured: a server asking for more is likely wrong. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000

/** `Retry-After` as ms from `now`: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now
  if (ms !== ms) return undefined
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms))
}

export interface Answer {
  status: number
  text: string
  retryAfter: number | undefined
}

export interface RequestOptions {
  headers: Headers
  credentials: RequestCredentials
  /** Abort when no full answer came within this many ms (see `requestTimeout`). */
  timeout: number
  keepalive?: boolean
  signal?: AbortSignal
}

/**
 * One POST. The body is always read: Chromium keeps a keepalive request's
 * bytes counted against its 64 KiB budget, and the connection busy, until it is.
 * Rejects only when no answer came (network error, abort, timeout).
 *
 * The timeout covers the answer's body too. A fetch may never settle:
 * Firefox sometimes resends a POST whose connection the server dropped and
 * that fetch then hangs; half-open mobile connections do the same anywhere.
 * One controller serves the timer and the caller's signal, since
 * `AbortSignal.any` is missing before Safari 17.4. No `Referer`: the page's
 * URL may carry secrets in its query.
 */
export async function post(url: string, body: string | undefined, options: RequestOptions): Promise<Answer> {
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), options.timeout)
  // Callers check their signal before each attempt (p-retry does), so it is not aborted yet here.
  const signal = options.signal
  const stop = () => abort.abort(signal!.reason)
  signal?.addEventListener('abort', stop)
  try {
    const init: RequestInit = {
      method: 'POST',
      body,
      headers: body === undefined ? options.headers : { ...options.headers, 'Content-Type': 'application/json' },
      credentials: options.credentials,
      keepalive: options.keepalive,
      referrerPolicy: 'no-referrer',
      signal: abort.signal,
    }
    // Marked as the agent's own, so the network capture never logs it.
    ownRequests.add(init)
    const response = await fetch(url, init)
    const text = await response.text().catch(() => '')
    return { status: response.status, text, retryAfter: retryAfterMs(response.headers.get('Retry-After')) }
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', stop)
  }
}
