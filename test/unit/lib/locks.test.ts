import { afterEach, describe, expect, it, vi } from 'vitest'
import { PARK_MAX_MS, clearParked, hasLocks, holdLock, ifLockFree, isParked, lockName, markParked } from '../../../src/lib/locks'

type Callback = (lock: { name: string; mode: string } | null) => unknown

/**
 * A small Web Locks manager: exclusive locks by name, `ifAvailable` answered
 * with `null` when held, other requests queued until the holder's callback settles.
 */
function fakeLocks() {
  const held = new Map<string, { name: string; mode: string }>()
  const queues = new Map<string, Array<() => void>>()
  const request = vi.fn(async (name: string, ...rest: unknown[]) => {
    const callback = rest.pop() as Callback
    const options = (rest[0] ?? {}) as { ifAvailable?: boolean }
    if (held.has(name)) {
      if (options.ifAvailable) return callback(null)
      await new Promise<void>((resolve) => (queues.get(name) ?? queues.set(name, []).get(name)!).push(resolve))
    }
    const lock = { name, mode: 'exclusive' }
    held.set(name, lock)
    try {
      return await callback(lock)
    } finally {
      const next = queues.get(name)?.shift()
      // Handed straight to the next waiter, so no one slips in between.
      if (next) next()
      else held.delete(name)
    }
  })
  return { held, request }
}

function install(locks: unknown) {
  vi.stubGlobal('navigator', { locks })
}

/** Lets pending promise callbacks run (no timers involved). */
async function microtasks(rounds = 20) {
  for (let i = 0; i < rounds; i++) await Promise.resolve()
}

/** Tracks whether a promise has settled, without awaiting it. */
function track(promise: Promise<unknown>) {
  const state = { settled: false }
  void promise.then(() => (state.settled = true))
  return state
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('locks', () => {
  it('names a lock per instance', () => {
    expect(lockName('abc')).toBe('horn-logger:abc')
    expect(lockName('abc')).not.toBe(lockName('abd'))
  })

  it('hasLocks() tells whether navigator.locks exists', () => {
    vi.stubGlobal('navigator', undefined)
    expect(hasLocks()).toBe(false)
    vi.stubGlobal('navigator', {})
    expect(hasLocks()).toBe(false)
    install(fakeLocks())
    expect(hasLocks()).toBe(true)
  })

  it('holdLock holds the lock until release(): ifLockFree skips it meanwhile, and runs once it is free', async () => {
    const locks = fakeLocks()
    install(locks)
    const name = lockName('a')
    const { acquired, release } = holdLock(name)
    await acquired
    expect(locks.held.has(name)).toBe(true)

    const fn = vi.fn(async () => {})
    await ifLockFree(name, fn)
    expect(fn).not.toHaveBeenCalled()
    expect(locks.request).toHaveBeenLastCalledWith(name, { ifAvailable: true }, expect.any(Function))
    expect(locks.held.has(name)).toBe(true) // a skipped check does not free it

    release()
    await microtasks()
    expect(locks.held.has(name)).toBe(false)
    let heldDuring = false
    await ifLockFree(name, async () => {
      heldDuring = locks.held.has(name)
    })
    expect(heldDuring).toBe(true)
    expect(locks.held.has(name)).toBe(false)
  })

  it('a held lock is one name only: others stay free', async () => {
    install(fakeLocks())
    await holdLock(lockName('a')).acquired
    const fn = vi.fn(async () => {})
    await ifLockFree(lockName('b'), fn)
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('ifLockFree holds the lock while fn runs, and resolves only after fn does', async () => {
    install(fakeLocks())
    const name = lockName('orphan')
    let finish!: () => void
    const first = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)))
    const second = vi.fn(async () => {})
    const running = track(ifLockFree(name, first))
    await microtasks()
    expect(first).toHaveBeenCalledTimes(1)
    expect(running.settled).toBe(false)
    // Two tabs cannot adopt the same orphan: the second check finds it taken.
    await ifLockFree(name, second)
    expect(second).not.toHaveBeenCalled()
    finish()
    await microtasks()
    expect(running.settled).toBe(true)
  })

  it('holdLock waits while another holds the name, and is acquired once it is released', async () => {
    const locks = fakeLocks()
    install(locks)
    const name = lockName('a')
    const first = holdLock(name)
    await first.acquired
    const second = holdLock(name)
    const acquired = track(second.acquired)
    await microtasks()
    expect(acquired.settled).toBe(false)
    first.release()
    await microtasks()
    expect(acquired.settled).toBe(true)
    expect(locks.held.has(name)).toBe(true)
    second.release()
    await microtasks()
    expect(locks.held.has(name)).toBe(false)
  })

  it('holdLock resolves anyway when the lock request fails', async () => {
    install({ request: vi.fn(() => Promise.reject(new DOMException('denied', 'SecurityError'))) })
    const acquired = track(holdLock(lockName('a')).acquired)
    await microtasks()
    expect(acquired.settled).toBe(true)
  })

  describe('without navigator.locks', () => {
    it.each([
      ['no navigator', undefined],
      ['a navigator without locks', {}],
    ])('with %s, holdLock resolves at once and ifLockFree does nothing', async (_, navigator) => {
      vi.stubGlobal('navigator', navigator)
      const { acquired, release } = holdLock(lockName('a'))
      const state = track(acquired)
      await Promise.resolve()
      await Promise.resolve()
      expect(state.settled).toBe(true)
      expect(() => release()).not.toThrow()
      const fn = vi.fn(async () => {})
      await expect(ifLockFree(lockName('a'), fn)).resolves.toBeUndefined()
      expect(fn).not.toHaveBeenCalled()
    })
  })
})

describe('park marks', () => {
  afterEach(() => vi.unstubAllGlobals())
  const storage = () => {
    const items = new Map<string, string>()
    vi.stubGlobal('localStorage', {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => void items.set(key, value),
      removeItem: (key: string) => void items.delete(key),
    })
    return items
  }

  it('a mark says parked until it is PARK_MAX_MS old; clearing it says whether it was there', () => {
    const items = storage()
    expect(isParked('a')).toBe(false)
    expect(markParked('a')).toBe(true)
    expect(items.get(lockName('a'))).toMatch(/^\d+$/)
    expect(isParked('a')).toBe(true)
    items.set(lockName('a'), String(Date.now() - PARK_MAX_MS - 1))
    expect(isParked('a')).toBe(false)
    expect(clearParked('a')).toBe(true)
    expect(clearParked('a')).toBe(false)
    expect(items.size).toBe(0)
  })

  it('blocked storage: no mark can be kept (the page keeps its lock), and none is seen', () => {
    vi.stubGlobal('localStorage', {
      getItem() {
        throw new DOMException('blocked', 'SecurityError')
      },
    })
    expect(markParked('a')).toBe(false)
    expect(isParked('a')).toBe(false)
    expect(clearParked('a')).toBe(false)
  })
})
