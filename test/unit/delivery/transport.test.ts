import { afterEach, describe, expect, it, vi } from 'vitest'
import { classify, post, retryAfterMs } from '../../../src/delivery/transport'

describe('classify', () => {
  it.each([
    [200, 'ok'],
    [201, 'ok'],
    [204, 'ok'],
    [301, 'permanent'],
    [400, 'permanent'],
    [401, 'permanent'],
    [403, 'permanent'],
    [404, 'permanent'],
    [408, 'retry'],
    [409, 'permanent'],
    [413, 'permanent'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [504, 'retry'],
  ] as const)('%i is %s', (status, verdict) => {
    expect(classify(status)).toBe(verdict)
  })
})

describe('retryAfterMs', () => {
  const now = Date.UTC(2026, 10, 27, 10, 0, 0)

  it('reads delta-seconds', () => {
    expect(retryAfterMs('1', now)).toBe(1000)
    expect(retryAfterMs(' 120 ', now)).toBe(120_000)
    expect(retryAfterMs('0', now)).toBe(0)
  })

  it('reads an HTTP date relative to now', () => {
    expect(retryAfterMs('Fri, 27 Nov 2026 10:00:30 GMT', now)).toBe(30_000)
  })

  it('gives 0 for a date in the past', () => {
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', now)).toBe(0)
  })

  it('caps absurd waits at one hour', () => {
    expect(retryAfterMs('999999999', now)).toBe(3_600_000)
    expect(retryAfterMs('Sat, 01 Jan 2100 00:00:00 GMT', now)).toBe(3_600_000)
  })

  it('gives undefined when absent or unreadable', () => {
    for (const value of [null, undefined, '', 'soon', 'abc', 'NaN']) expect(retryAfterMs(value, now)).toBeUndefined()
  })

  it('never gives a negative wait', () => {
    for (const value of ['-5', '-1', '1.5', '-0']) {
      const ms = retryAfterMs(value, now)
      expect(ms === undefined || ms === 0).toBe(true)
    }
  })
})

describe('post', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  function stubFetch(response: Response) {
    const fetch = vi.fn(async (_url: string, _init: RequestInit) => response)
    vi.stubGlobal('fetch', fetch)
    return fetch
  }

  it('posts JSON with the headers, credentials and keepalive, and reads the answer', async () => {
    const response = new Response('accepted', { status: 202, headers: { 'Retry-After': '3' } })
    const fetch = stubFetch(response)
    const signal = new AbortController().signal
    const answer = await post('https://h.example/api/x', '{"a":1}', {
      headers: { Authorization: 'Bearer t' },
      credentials: 'include',
      keepalive: true,
      timeout: 30_000,
      signal,
    })
    expect(answer).toEqual({ status: 202, text: 'accepted', retryAfter: 3000 })
    expect(response.bodyUsed).toBe(true)
    expect(fetch).toHaveBeenCalledTimes(1)
    const [url, init] = fetch.mock.calls[0]
    expect(url).toBe('https://h.example/api/x')
    expect(init).toMatchObject({
      method: 'POST',
      body: '{"a":1}',
      headers: { Authorization: 'Bearer t', 'Content-Type': 'application/json' },
      credentials: 'include',
      keepalive: true,
      referrerPolicy: 'no-referrer',
    })
    // fetch gets a signal of its own, which the caller's aborts (and the timeout, see below).
    expect(init.signal).toBeInstanceOf(AbortSignal)
    expect(init.signal).not.toBe(signal)
  })

  it('sets no Content-Type without a body, and does not change the given headers', async () => {
    const fetch = stubFetch(new Response(null, { status: 204 }))
    const headers = { 'X-App': '1' }
    const answer = await post('https://h.example/api/link', undefined, { headers, credentials: 'same-origin', timeout: 30_000 })
    expect(answer).toEqual({ status: 204, text: '', retryAfter: undefined })
    const init = fetch.mock.calls[0][1]
    expect(init.headers).toEqual({ 'X-App': '1' })
    expect(init.body).toBeUndefined()
    expect(init.keepalive).toBeFalsy()
    expect(headers).toEqual({ 'X-App': '1' })
  })

  it('still answers when reading the body fails', async () => {
    const response = new Response('x', { status: 503 })
    vi.spyOn(response, 'text').mockRejectedValue(new TypeError('stream broke'))
    stubFetch(response)
    await expect(post('https://h.example/x', '{}', { headers: {}, credentials: 'omit', timeout: 30_000 })).resolves.toMatchObject({ status: 503, text: '' })
  })

  it('rejects when no answer came', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')))
    await expect(post('https://h.example/x', '{}', { headers: {}, credentials: 'omit', timeout: 30_000 })).rejects.toThrow('Failed to fetch')
  })

  /** A fetch that never answers, and rejects (as browsers do) once its signal aborts. */
  function hangingFetch() {
    const signals: AbortSignal[] = []
    const fetch = vi.fn(
      (_url: string, init: RequestInit) =>
        new Promise<Response>((_, reject) => {
          signals.push(init.signal!)
          init.signal!.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
        }),
    )
    vi.stubGlobal('fetch', fetch)
    return signals
  }

  it('aborts a request that gets no answer within the timeout', async () => {
    vi.useFakeTimers()
    try {
      const signals = hangingFetch()
      const caller = new AbortController()
      let outcome: unknown
      post('https://h.example/x', '{}', { headers: {}, credentials: 'omit', timeout: 5000, signal: caller.signal }).catch((e) => (outcome = e))
      await vi.advanceTimersByTimeAsync(4999)
      expect(outcome).toBeUndefined()
      expect(signals[0].aborted).toBe(false)
      await vi.advanceTimersByTimeAsync(1)
      expect(signals[0].aborted).toBe(true)
      expect(outcome).toMatchObject({ name: 'AbortError' })
      // The caller's signal was not touched, and no timer is left behind.
      expect(caller.signal.aborted).toBe(false)
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('aborts when the caller’s signal does, and lets go of that signal once answered', async () => {
    const signals = hangingFetch()
    const caller = new AbortController()
    const remove = vi.spyOn(caller.signal, 'removeEventListener')
    const pending = post('https://h.example/x', '{}', { headers: {}, credentials: 'omit', timeout: 30_000, signal: caller.signal })
    caller.abort(new Error('closed'))
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' })
    expect(signals[0].aborted).toBe(true)
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function))
  })
})
