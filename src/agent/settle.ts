import type { Stats } from '../types'

/** What `stats()` says before anything happened, and when it cannot say more. */
export const noStats = (): Stats => ({ logged: 0, persisted: 0, acknowledged: 0, dropped: 0, retries: 0, pending: 0 })

/**
 * The counts behind `stats()` and the `flush()` calls waiting on them. An
 * entry is settled once acknowledged or dropped; a flush waits until as many
 * are settled as were logged when it was called.
 */
export interface Settle {
  /** Counts one retried request. */
  retried(): void
  /** The outbox's events: `count` entries written, acknowledged, dropped. */
  persisted(count: number): void
  acknowledged(count: number): void
  dropped(count: number): void
  /** Consent denied: every entry of the `logged` not acknowledged counts as dropped, so nothing is pending and flushes waiting settle. */
  discard(logged: number): void
  /** Entries of the first `logged` not yet settled. */
  pending(logged: number): number
  stats(logged: number): Stats
  /** Resolves true once `target` entries are settled, false after `timeout` ms. */
  wait(target: number, timeout: number): Promise<boolean>
}

export function createSettle(): Settle {
  const counts = noStats()
  // One check per waiting flush: it resolves that flush once its target is settled.
  const waiters = new Set<() => void>()
  const pending = (logged: number) => Math.max(0, logged - counts.acknowledged - counts.dropped)
  const settled = () => waiters.forEach((check) => check())

  return {
    retried: () => void counts.retries++,
    persisted: (n) => void (counts.persisted += n),
    acknowledged(n) {
      counts.acknowledged += n
      settled()
    },
    dropped(n) {
      counts.dropped += n
      settled()
    },
    discard(logged) {
      counts.dropped = logged - counts.acknowledged
      settled()
    },
    pending,
    stats: (logged) => ({ ...counts, logged, pending: pending(logged) }),
    wait: (target, timeout) =>
      new Promise<boolean>((resolve) => {
        // A flush that times out stops checking: otherwise every later settled entry would run its check.
        const timer = setTimeout(() => (waiters.delete(check), resolve(false)), timeout)
        const check = () => {
          if (pending(target)) return
          waiters.delete(check)
          clearTimeout(timer)
          resolve(true)
        }
        waiters.add(check)
      }),
  }
}
