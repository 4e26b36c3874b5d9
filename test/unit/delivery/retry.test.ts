// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { backoffMs, createRetry, RetryableError } from '../../../src/delivery/retry'
import { track } from '../../support/helpers'

describe('backoffMs', () => {
  const cap = (n: number) => Math.min(30_000, 1000 * 2 ** (n - 1))

  it('spans [0, min(30 s, 1 s·2^(n-1))) with full jitter', () => {
    for (let n = 1; n <= 60; n++) {
      expect(backoffMs(n, () => 0)).toBe(0)
      const top = backoffMs(n, () => 0.999999)
      expect(top).toBeLessThan(cap(n))
      expect(top).toBeGreaterThan(cap(n) * 0.99)
      expect(backoffMs(n, () => 0.5)).toBe(cap(n) / 2)
    }
  })

  it('stays in range with the real Math.random', () => {
    for (let i = 0; i < 500; i++) {
      const n = (i % 12) + 1
      const ms = backoffMs(n)
      expect(ms).toBeGreaterThanOrEqual(0)
      expect(ms).toBeLessThan(cap(n))
    }
  })

  it('never grows past 30 s, even for huge attempt numbers', () => {
    expect(backoffMs(1e9, () => 0.999999)).toBeLessThan(30_000)
  })
})

describe('createRetry', () => {
  let online = true
  beforeEach(() => {
    online = true
    Object.defineProperty(window.navigator, 'onLine', { configurable: true, get: () => online })
    vi.useFakeTimers()
  })
  afterEach(() => {
    online = true
    vi.useRealTimers()
    vi.restoreAllMocks()
  })

  /** The network comes back: navigator.onLine turns true, the online event fires, and what it makes due runs. */
  async function backOnline() {
    online = true
    window.dispatchEvent(new Event('online'))
    await vi.advanceTimersByTimeAsync(0)
  }

  /** An attempt that fails with the given errors in turn, then resolves 'done'. */
  function failing(...errors: Error[]) {
    const attempt = vi.fn(async () => {
      const error = errors[attempt.mock.calls.length - 1]
      if (error) throw error
      return 'done'
    })
    return attempt
  }


  it('retries RetryableErrors until the attempt succeeds, counting retries', async () => {
    const onRetry = vi.fn()
    const retry = createRetry({ signal: new AbortController().signal, onRetry })
    const attempt = failing(new RetryableError('503'), new RetryableError('503'), new RetryableError('429'))
    const result = track(retry(attempt))
    await vi.runAllTimersAsync()
    expect(result).toMatchObject({ settled: true, value: 'done' })
    expect(attempt).toHaveBeenCalledTimes(4)
    expect(onRetry).toHaveBeenCalledTimes(3)
  })

  it('stops at the first error that is not retryable', async () => {
    const onRetry = vi.fn()
    const retry = createRetry({ signal: new AbortController().signal, onRetry })
    for (const error of [new Error('permanent'), new TypeError('not a network error'), new RangeError('bug')]) {
      const attempt = failing(error)
      const result = track(retry(attempt))
      await vi.runAllTimersAsync()
      expect(result).toMatchObject({ settled: true, error })
      expect(attempt).toHaveBeenCalledTimes(1)
    }
    expect(onRetry).not.toHaveBeenCalled()
  })

  it('waits a jittered exponential backoff between attempts', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const retry = createRetry({ signal: new AbortController().signal })
    const attempt = failing(new RetryableError('a'), new RetryableError('b'), new RetryableError('c'))
    const result = track(retry(attempt))
    await vi.advanceTimersByTimeAsync(0)
    expect(attempt).toHaveBeenCalledTimes(1)
    // Waits of 500, 1000 and 2000 ms (half of 1, 2 and 4 s).
    for (const [wait, calls] of [
      [499, 1],
      [1, 2],
      [999, 2],
      [1, 3],
      [1999, 3],
      [1, 4],
    ]) {
      await vi.advanceTimersByTimeAsync(wait)
      expect(attempt).toHaveBeenCalledTimes(calls)
    }
    expect(result.value).toBe('done')
  })

  it('waits at least Retry-After, even when the backoff is shorter', async () => {
    const retry = createRetry({ signal: new AbortController().signal })
    const attempt = failing(new RetryableError('429', 5000))
    const result = track(retry(attempt))
    await vi.advanceTimersByTimeAsync(4999)
    expect(attempt).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(attempt).toHaveBeenCalledTimes(2)
    await vi.advanceTimersByTimeAsync(0)
    expect(result.value).toBe('done')
  })

  it('waits the backoff when it is longer than Retry-After', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.99)
    const retry = createRetry({ signal: new AbortController().signal })
    const attempt = failing(new RetryableError('a'), new RetryableError('b', 100))
    track(retry(attempt))
    await vi.advanceTimersByTimeAsync(990)
    expect(attempt).toHaveBeenCalledTimes(2)
    await vi.advanceTimersByTimeAsync(1979) // 0.99 · 2000 = 1980
    expect(attempt).toHaveBeenCalledTimes(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(attempt).toHaveBeenCalledTimes(3)
  })

  it('stops, rejecting, when the signal aborts during a backoff', async () => {
    const controller = new AbortController()
    const retry = createRetry({ signal: controller.signal })
    const attempt = vi.fn(async () => {
      throw new RetryableError('down', 10_000)
    })
    const result = track(retry(attempt))
    await vi.advanceTimersByTimeAsync(100)
    controller.abort(new Error('closed'))
    await vi.advanceTimersByTimeAsync(0)
    expect(result.settled).toBe(true)
    expect(String(result.error)).toContain('closed')
    await vi.runAllTimersAsync()
    expect(attempt).toHaveBeenCalledTimes(1)
  })

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController()
    controller.abort(new Error('gone'))
    const attempt = vi.fn(async () => 'x')
    const result = track(createRetry({ signal: controller.signal })(attempt))
    await vi.advanceTimersByTimeAsync(0)
    expect(result.settled).toBe(true)
    expect(attempt).not.toHaveBeenCalled()
  })

  it('makes no attempt while offline, and resumes on the online event', async () => {
    online = false
    const attempt = failing()
    const result = track(createRetry({ signal: new AbortController().signal })(attempt))
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(attempt).not.toHaveBeenCalled()
    await backOnline()
    expect(attempt).toHaveBeenCalledTimes(1)
    expect(result.value).toBe('done')
  })

  it('waits for the network when it goes offline during a backoff', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const attempt = failing(new RetryableError('a'))
    const result = track(createRetry({ signal: new AbortController().signal })(attempt))
    await vi.advanceTimersByTimeAsync(0)
    online = false
    await vi.advanceTimersByTimeAsync(60_000)
    expect(attempt).toHaveBeenCalledTimes(1)
    await backOnline()
    expect(attempt).toHaveBeenCalledTimes(2)
    expect(result.value).toBe('done')
  })

  it('cuts a backoff short when the browser comes back online', async () => {
    const attempt = failing(new RetryableError('offline', 60_000))
    track(createRetry({ signal: new AbortController().signal })(attempt))
    await vi.advanceTimersByTimeAsync(1000)
    expect(attempt).toHaveBeenCalledTimes(1)
    window.dispatchEvent(new Event('online'))
    await vi.advanceTimersByTimeAsync(0)
    expect(attempt).toHaveBeenCalledTimes(2)
  })

  it('rejects when the signal aborts while offline, and never attempts', async () => {
    online = false
    const controller = new AbortController()
    const attempt = failing()
    const result = track(createRetry({ signal: controller.signal })(attempt))
    await vi.advanceTimersByTimeAsync(1000)
    controller.abort(new Error('closed'))
    await vi.advanceTimersByTimeAsync(1000)
    expect(result.settled).toBe(true)
    expect(String(result.error)).toContain('closed')
    // Coming back online later must not send anything for an aborted policy.
    await backOnline()
    expect(attempt).not.toHaveBeenCalled()
  })
})
