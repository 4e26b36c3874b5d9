/** Lock names: one per instance, held for the instance's whole life. */
export const lockName = (instanceId: string) => `horn-logger:${instanceId}`

function locks(): LockManager | undefined {
  return typeof navigator == 'object' ? navigator.locks : undefined
}

/** Whether this browser can tell a live tab from a dead one (Web Locks). */
export const hasLocks = () => !!locks()

/**
 * Holds the named lock until `release()`: while it is held, no other tab can
 * take it, and the browser frees it when the tab closes or crashes.
 * `acquired` resolves once held (at once when Web Locks are missing or fail).
 */
export function holdLock(name: string): { acquired: Promise<void>; release: () => void } {
  let release = () => {}
  const held = new Promise<void>((resolve) => (release = resolve))
  const manager = locks()
  const acquired = new Promise<void>((resolve) => {
    if (!manager) return resolve()
    manager
      .request(name, () => {
        resolve()
        return held
      })
      .catch(() => resolve())
  })
  return { acquired, release }
}

/**
 * Runs `fn` holding the named lock if nobody holds it now; otherwise does
 * nothing. The lock is the proof that its instance is dead, and keeps two
 * tabs from adopting the same orphan.
 */
export async function ifLockFree(name: string, fn: () => Promise<void>): Promise<void> {
  const manager = locks()
  if (!manager) return
  await manager.request(name, { ifAvailable: true }, (lock) => (lock ? fn() : undefined))
}

/**
 * Longest a page may sit in a back/forward cache before its engine evicts
 * it, in ms: Chromium keeps a page 10 minutes, Firefox
 * (`browser.sessionhistory.contentViewerTimeout`) and WebKit
 * (`BackForwardCache` expiration) 30. A parked instance whose mark is older is
 * dead, whatever the engine; one whose mark is younger may still come back.
 */
export const PARK_MAX_MS = 30 * 60_000

/**
 * A parked instance (its page in the back/forward cache) holds no lock: a
 * lock held by a frozen page, requested (even `ifAvailable`) or merely
 * queried by another page, gets it evicted in Chromium. It leaves a mark
 * instead: a `localStorage` entry under its lock's name, the time it parked.
 * Synchronous, so no transaction runs when the page freezes.
 *
 * Reads the mark, then sets it to `time` (`null`: removes it); the mark as
 * it was (`null`: none), or undefined when storage is blocked.
 */
function parkMark(id: string, time?: number | null): string | null | undefined {
  try {
    const key = lockName(id)
    const was = localStorage.getItem(key)
    if (time) localStorage.setItem(key, '' + time)
    else if (time === null) localStorage.removeItem(key)
    return was
  } catch {}
}

/** Marks the instance parked now; false when the mark cannot be kept (then the page keeps its lock). */
export const markParked = (id: string) => parkMark(id, Date.now()) !== undefined

/** Whether the instance is parked and may come back: its mark is younger than `PARK_MAX_MS`. */
export function isParked(id: string): boolean {
  const time = parkMark(id)
  return time != null && Date.now() - +time < PARK_MAX_MS
}

/**
 * Removes the instance's mark; true when it was there. Called only holding
 * the instance's lock: by the page itself when it comes back, and by an
 * adopter before it reads anything, so a page that comes back and finds its
 * mark gone knows another tab has taken its leftovers.
 */
export const clearParked = (id: string) => parkMark(id, null) != null
