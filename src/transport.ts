import type { Headers } from './types'

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
  keepalive?: boolean
  signal?: AbortSignal
}

/**
 * One POST. The body is always read: Chromium keeps a keepalive request's
 * bytes counted against its 64 KiB budget, and the connection busy, until it is.
 * Rejects only when no answer came (network error, abort).
 */
export async function post(url: string, body: string | undefined, options: RequestOptions): Promise<Answer> {
  const headers: Headers = { ...options.headers }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers,
    credentials: options.credentials,
    keepalive: options.keepalive,
    signal: options.signal,
  })
  const text = await response.text().catch(() => '')
  return { status: response.status, text, retryAfter: retryAfterMs(response.headers.get('Retry-After')) }
}
