import type { Consent } from '../types'
import { warnOnce } from '../lib/console'

export interface ConsentState {
  readonly decision: Consent
  /** Resolves on the grant (at once when granted from the start); rejects with `denied` on a denial before it. */
  readonly granted: Promise<void>
  /**
   * `logger.setConsent`: pending → granted or denied, granted → denied; denial
   * is final. Anything else (a value that is none of the three included) warns once and changes nothing.
   */
  set(next: Consent): void
}

/**
 * The one owner of this page's consent. `onDeny` runs once, on the move to
 * denied (the grant's work hangs off `granted`).
 */
export function createConsent(initial: Consent, denied: Error, onDeny: () => void): ConsentState {
  let grant!: () => void
  let refuse!: (reason: Error) => void
  const granted = new Promise<void>((resolve, reject) => {
    grant = resolve
    refuse = reject
  })
  // Handled here: a denial before the grant is news to nobody listening.
  granted.catch(() => {})
  const self: ConsentState = {
    decision: 'pending',
    granted,
    set(next) {
      const now = self.decision
      if (next == now) return
      // Here `now` is pending or granted: granted is reached from pending only, denied from both.
      if (now == 'denied' || (next != 'granted' && next != 'denied')) return warnOnce(`consent ${now}: ${next} ignored`)
      ;(self as { decision: Consent }).decision = next
      if (next == 'granted') grant()
      else {
        refuse(denied)
        onDeny()
      }
    },
  }
  self.set(initial)
  return self
}
