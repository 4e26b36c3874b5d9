import type { Outbox } from '../outbox/outbox'
import type { Sender } from '../delivery/sender'
import type { ConsentState } from './consent'
import { sliceEnd } from '../lib/slice'

/** Entries wait this long in memory before one transaction writes them: "a fraction of a second". */
const PERSIST_DELAY_MS = 100

/**
 * When the outbox writes what was logged: one persist timer, armed by the
 * first line after a write, run in slices (lib/slice) so a burst leaves the
 * page room between tasks; each tick also lets the sender look for a due batch.
 * Nothing is written before consent is granted.
 */
export interface Pace {
  /** A line was pushed: a write within PERSIST_DELAY_MS. */
  soon(): void
  /** Writes now (a flush), and goes on in the next tasks while more waits. */
  tick(): void
  stop(): void
}

export function createPace(outbox: Pick<Outbox, 'persist' | 'unpersisted'>, sender: Pick<Sender, 'kick'>, consent: Pick<ConsentState, 'decision'>): Pace {
  let persistTimer: ReturnType<typeof setTimeout> | undefined
  const tick = () => {
    // Until the grant nothing is written; the timer stays marked as set, so log calls do not arm another.
    if (consent.decision != 'granted') return
    clearTimeout(persistTimer)
    persistTimer = undefined
    void outbox.persist(sliceEnd())
    // More waiting: go on in the next task, leaving the page room in between.
    if (outbox.unpersisted) persistTimer = setTimeout(tick)
    void sender.kick()
  }
  return {
    soon: () => void (persistTimer ??= setTimeout(tick, PERSIST_DELAY_MS)),
    tick,
    stop: () => clearTimeout(persistTimer),
  }
}
