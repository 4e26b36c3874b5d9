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
