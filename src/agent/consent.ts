import type { Consent } from '../types'
import { CONSENTS } from './config'
import { warnOnce } from '../lib/console'

export interface ConsentState {
  readonly state: Consent
  /** Resolves on the grant (at once when granted from the start); rejects with `denied` on a denial before it. */
  readonly granted: Promise<void>
  /** `logger.setConsent`: pending → granted or denied, granted → denied; denial is final. */
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
    state: 'pending',
    granted,
    set(next) {
      const now = self.state
      if (!CONSENTS.includes(next)) return warnOnce('consent must be granted, pending or denied')
      if (next == now) return
      if (now == 'denied' || next == 'pending') return warnOnce(`consent ${now} stays ${now} on this page (${next} ignored)`)
      ;(self as { state: Consent }).state = next
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
