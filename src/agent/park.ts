import type { PausableStore } from '../storage/store'
import { clearParked, holdLock, lockName, markParked } from '../lib/locks'

/** The instance's liveness lock, given up while its page sits in the back/forward cache. */
export interface Liveness {
  /** Resolves once the instance first holds its lock: nothing of it is stored before. */
  readonly acquired: Promise<void>
  /** `pagehide` into the cache: no storage work from now on, the lock given up for a park mark. */
  park(): void
  /** `pageshow` from the cache: the lock taken back, then storage resumes (or the instance stops, if adopted). */
  unpark(): void
  /** Lets go of the lock for good (close). */
  stop(): void
}

/**
 * Holds the instance's lock for its life, except while its page is parked in
 * a back/forward cache. There the page must neither hold a lock (another
 * page requesting it gets the frozen page evicted) nor run an IndexedDB
 * transaction: storage is paused, writes queue in memory, and a park mark
 * tells recovery in other pages to leave the instance alone.
 *
 * Exactly once on the way back: the page requests its lock again and resumes
 * storage only once it holds it and finds its mark still there. An adopter
 * (recovery in another tab, once the mark is older than any cache keeps a
 * page) removes the mark under that same lock before reading anything, and
 * keeps the lock until it is done; a page that finds its mark gone calls
 * `onAdopted` and must stop: its queued writes never run and it sends
 * nothing more, since what it had stored is the adopter's now. With
 * `PARK_MAX_MS` at least what the engines keep, that happens only to a page
 * an engine kept longer than documented.
 */
export function holdLiveness(id: string, store: PausableStore, onAdopted: () => void): Liveness {
  let lock = holdLock(lockName(id))
  let resume: (() => void) | undefined
  let parks = 0
  return {
    acquired: lock.acquired,
    park() {
      // Without a mark recovery could not tell the page from a closed one: it stays as it is, lock held
      // (then Chromium evicts it once another page's recovery asks for that lock).
      if (!markParked(id)) return
      parks++
      resume ??= store.pause()
      lock.release()
    },
    unpark() {
      const go = resume
      if (!go) return
      resume = undefined
      const at = parks
      lock = holdLock(lockName(id))
      // Parked again before the lock came: storage waits for that park's own return (`go` only hands its
      // queue on); otherwise it resumes if the mark is still there.
      void lock.acquired.then(() => (at != parks || clearParked(id) ? go() : onAdopted()))
    },
    stop: () => lock.release(),
  }
}
