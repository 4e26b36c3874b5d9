import pRetry from 'p-retry'

/** First backoff ceiling; each failure doubles it. */
const BASE_BACKOFF_MS = 1000
/** Backoff ceiling: a recovered server hears from every tab within 30 s. */
const MAX_BACKOFF_MS = 30_000

/** Thrown by an attempt that is worth repeating; `after` is the server's `Retry-After` in ms. */
export class RetryableError extends Error {
  constructor(message: string, readonly after?: number) {
    super(message)
  }
}

/** Full jitter: anywhere in [0, min(cap, base·2^(n-1))), so tabs that failed together retry apart. */
export function backoffMs(attempt: number, random = Math.random): number {
  return random() * Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.min(attempt - 1, 30))
}

export interface RetryPolicy {
  /** Runs `attempt` until it resolves, throws a non-retryable error, or `signal` aborts. */
  <T>(attempt: () => Promise<T>): Promise<T>
}

export interface RetryOptions {
  signal: AbortSignal
  /** Called before each wait, for stats. */
  onRetry?: () => void
}

function isOffline(): boolean {
  return typeof navigator == 'object' && navigator.onLine === false
}

/**
 * Resolves when the browser comes back online (no point waiting out a
 * backoff that the outage caused), or after `ms` when given. Rejects on abort.
 */
function pause(signal: AbortSignal, ms?: number): Promise<void> {
  // Outside a window (workers aside, e.g. a test runner) there is no online event to wait for.
  const events = typeof addEventListener == 'function'
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer)
      if (events) removeEventListener('online', done)
      signal.removeEventListener('abort', aborted)
      resolve()
    }
    const aborted = () => {
      reject(signal.reason) // before done(), whose resolve() would otherwise win
      done()
    }
    const timer = ms === undefined ? ms : setTimeout(done, ms)
    if (events) addEventListener('online', done)
    signal.addEventListener('abort', aborted)
  })
}

/**
 * The retry policy: forever (for as long as the page lives), exponential
 * backoff with full jitter, at least `Retry-After` when the server gives one,
 * and no attempt while the browser says it is offline.
 *
 * p-retry drives the loop; its own delay is off (`minTimeout: 0`) because it
 * has no `Retry-After` support and no full jitter: the awaited
 * `onFailedAttempt` does the waiting instead.
 */
export function createRetry({ signal, onRetry }: RetryOptions): RetryPolicy {
  return (attempt) =>
    pRetry(
      async () => {
        while (isOffline()) await pause(signal)
        return attempt()
      },
      {
        retries: Infinity,
        minTimeout: 0,
        signal,
        shouldRetry: ({ error }) => error instanceof RetryableError,
        onFailedAttempt: async ({ error, attemptNumber }) => {
          if (!(error instanceof RetryableError) || signal.aborted) return
          onRetry?.()
          await pause(signal, Math.max(error.after ?? 0, backoffMs(attemptNumber)))
        },
      },
    )
}

