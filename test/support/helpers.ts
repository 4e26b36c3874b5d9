import { afterEach, beforeEach, vi, type MockInstance } from 'vitest'

/** A fixed "now" for specs that need one: 2026-11-27 10:00 UTC. */
export const T0 = Date.UTC(2026, 10, 27, 10, 0, 0)

/** Tracks a promise's outcome without awaiting it (and without an unhandled rejection). */
export function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false }
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error) => Object.assign(state, { settled: true, error }),
  )
  return state
}

/**
 * Fake timers from T0 for every test of the file, and no jitter to wait out:
 * every backoff is 0 ms unless a Retry-After says otherwise.
 */
export function useFakeClockWithoutJitter(): void {
  beforeEach(() => {
    vi.useFakeTimers()
    vi.setSystemTime(T0)
    vi.spyOn(Math, 'random').mockReturnValue(0)
  })
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
    vi.restoreAllMocks()
  })
}

/** Runs what is due within a few ms, including the 0 ms timers that each backoff of 0 schedules in turn (fake timers fire those 1 ms on). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await vi.advanceTimersByTimeAsync(1)
}

/**
 * Imports modules into a fresh module graph, so warn-once state and the saved
 * console start clean; `warn` spies on (and silences) the console's warnings.
 */
export async function fresh<T extends object>(imports: () => Promise<T>): Promise<T & { warn: MockInstance<typeof console.warn> }> {
  vi.resetModules()
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
  return { ...(await imports()), warn }
}
