// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import { resolveConfig, type ResolvedConfig } from '../../../src/agent/config'
import type { InstanceRecord } from '../../../src/storage/schema'
import { createRetry } from '../../../src/delivery/retry'
import { createClient } from '../../../src/delivery/client'
import { createAppSession } from '../../../src/delivery/app-session'
import { HornLoggerError } from '../../../src/errors'
import type { LoggerConfig } from '../../../src/types'
import { T0, settle, useFakeClockWithoutJitter, track } from '../../support/helpers'

const API = 'https://horn.example/api'

type Reply = number | { status: number; body?: string; headers?: Record<string, string> } | Error

interface Seen {
  url: string
  init: RequestInit
}

/** A fetch that answers each request with the next reply (the last one repeats), recording what it was asked. */
function stubFetch(...replies: Reply[]) {
  const seen: Seen[] = []
  const fetch = vi.fn(async (url: string, init: RequestInit) => {
    seen.push({ url, init })
    init.signal?.throwIfAborted()
    const reply = replies[Math.min(seen.length, replies.length) - 1]
    if (reply instanceof Error) throw reply
    const { status, body, headers } = typeof reply == 'number' ? { status: reply, body: undefined, headers: undefined } : reply
    return new Response(status === 204 ? null : (body ?? ''), { status, headers })
  })
  vi.stubGlobal('fetch', fetch)
  return { fetch, seen }
}


function setup(overrides: Partial<LoggerConfig> = {}) {
  const controller = new AbortController()
  const onRetry = vi.fn()
  const config: ResolvedConfig = resolveConfig({ clientId: 'conference ui/1', apiUrl: API, ...overrides })
  const retry = createRetry({ signal: controller.signal, onRetry })
  const client = createClient({ retry, config, signal: controller.signal })
  return { controller, onRetry, client }
}

const record = (extra: Partial<InstanceRecord> = {}): InstanceRecord => ({
  id: 'inst-1',
  clientId: 'conference ui/1',
  started: T0,
  url: 'https://app.example/room?x=1',
  channel: 'chan-1',
  nextIndex: 0,
  head: 0,
  ...extra,
})


useFakeClockWithoutJitter()

describe('register', () => {
  it('posts {started, url, channel} to /app_sessions/new/{clientId}, URL-encoded, and returns the id', async () => {
    const { seen } = stubFetch({ status: 201, body: '{"id":"as-42"}' })
    const { client } = setup({ credentials: 'include' })
    const id = track(client.register(record()))
    await settle()
    expect(id).toMatchObject({ settled: true, value: 'as-42' })
    expect(seen).toHaveLength(1)
    expect(seen[0].url).toBe(`${API}/app_sessions/new/conference%20ui%2F1`)
    expect(seen[0].init).toMatchObject({ method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json' } })
    expect(JSON.parse(seen[0].init.body as string)).toEqual({ started: T0, url: 'https://app.example/room?x=1', channel: 'chan-1' })
  })

  it('uses the record’s clientId, and leaves channel out when there is none', async () => {
    const { seen } = stubFetch({ status: 200, body: '{"id":"x"}' })
    const { client } = setup()
    track(client.register(record({ clientId: 'other#app', channel: undefined })))
    await settle()
    expect(seen[0].url).toBe(`${API}/app_sessions/new/other%23app`)
    expect(JSON.parse(seen[0].init.body as string)).toEqual({ started: T0, url: 'https://app.example/room?x=1' })
  })

  it('rejects with a HornLoggerError naming the status on 401, without retrying', async () => {
    const { fetch } = stubFetch({ status: 401, body: '{"error":"no"}' })
    const { onRetry, client } = setup()
    const result = track(client.register(record()))
    await vi.advanceTimersByTimeAsync(60_000)
    expect(result.error).toBeInstanceOf(HornLoggerError)
    expect(result.error).toMatchObject({ status: 401, name: 'HornLoggerError' })
    expect(String((result.error as Error).message)).toContain('401')
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(onRetry).not.toHaveBeenCalled()
  })

  it.each([
    ['no id', 200, '{}'],
    ['an empty id', 201, '{"id":""}'],
    ['a numeric id', 201, '{"id":7}'],
    ['null', 200, 'null'],
    ['no JSON (a captive portal’s page)', 200, '<html>Sign in to the Wi-Fi</html>'],
    ['an id on a 3xx', 304, '{"id":"nope"}'],
  ])('retries an answer with %s like a transient failure, then takes the id that comes', async (_, status, body) => {
    const { fetch } = stubFetch({ status, body }, { status, body }, { status: 201, body: '{"id":"as-1"}' })
    const { client, onRetry } = setup()
    const result = track(client.register(record()))
    await settle(50)
    expect(result).toMatchObject({ settled: true, value: 'as-1' })
    expect(fetch).toHaveBeenCalledTimes(3)
    expect(onRetry).toHaveBeenCalledTimes(2)
  })

  it('retries a 2xx whose body cannot be read', async () => {
    let calls = 0
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        const broken = new ReadableStream({ start: (c) => c.error(new TypeError('connection reset')) })
        return ++calls === 1 ? new Response(broken, { status: 200 }) : new Response('{"id":"as-2"}', { status: 200 })
      }),
    )
    const { client, onRetry } = setup()
    const result = track(client.register(record()))
    await settle(50)
    expect(result).toMatchObject({ settled: true, value: 'as-2' })
    expect(calls).toBe(2)
    expect(onRetry).toHaveBeenCalledTimes(1)
  })

  it('aborts an attempt that gets no answer within requestTimeout and retries it', async () => {
    const signals: AbortSignal[] = []
    const fetch = vi.fn((_url: string, init: RequestInit) => {
      signals.push(init.signal!)
      if (signals.length > 1) return Promise.resolve(new Response('{"id":"as-3"}', { status: 201 }))
      return new Promise<Response>((_, reject) => init.signal!.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))))
    })
    vi.stubGlobal('fetch', fetch)
    const { client, onRetry } = setup({ requestTimeout: 5000 })
    const result = track(client.register(record()))
    await vi.advanceTimersByTimeAsync(4990)
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(result.settled).toBe(false)
    await settle(50)
    expect(signals[0].aborted).toBe(true)
    expect(result).toMatchObject({ settled: true, value: 'as-3' })
    expect(fetch).toHaveBeenCalledTimes(2)
    expect(onRetry).toHaveBeenCalledTimes(1)
    // Both attempts sent the same body.
    expect(new Set(fetch.mock.calls.map((call) => call[1].body)).size).toBe(1)
  })

  it('retries 503, 429 and network errors until it is answered', async () => {
    const { fetch } = stubFetch(503, { status: 429, headers: { 'Retry-After': '2' } }, new TypeError('Failed to fetch'), { status: 201, body: '{"id":"late"}' })
    const { onRetry, client } = setup()
    const id = track(client.register(record()))
    await settle()
    expect(fetch).toHaveBeenCalledTimes(2)
    // The 429 asked for 2 s.
    await vi.advanceTimersByTimeAsync(1950)
    expect(fetch).toHaveBeenCalledTimes(2)
    await settle(50)
    expect(fetch).toHaveBeenCalledTimes(4)
    expect(id).toMatchObject({ settled: true, value: 'late' })
    expect(onRetry).toHaveBeenCalledTimes(3)
  })
})

describe('linkUser', () => {
  it('posts no body to /app_sessions/{id}/link/user (URL-encoded), merging configured and per-call headers', async () => {
    const { seen } = stubFetch(204)
    let token = 'first'
    const { client } = setup({ headers: () => ({ 'X-App': 'conf', Authorization: `Bearer ${token}` }) })
    token = 'app-token' // the configured function is called per request, not once
    const result = track(client.linkUser('as/1 ?', { Authorization: 'Bearer user', 'X-Call': '1' }))
    await settle()
    expect(result).toMatchObject({ settled: true, value: undefined })
    expect(seen).toHaveLength(1)
    expect(seen[0].url).toBe(`${API}/app_sessions/as%2F1%20%3F/link/user`)
    expect(seen[0].init.body).toBeUndefined()
    // Per-call headers win over configured ones; no Content-Type without a body.
    expect(seen[0].init.headers).toEqual({ 'X-App': 'conf', Authorization: 'Bearer user', 'X-Call': '1' })
  })

  it('sends the configured headers (an object) when the call gives none', async () => {
    const { seen } = stubFetch(200)
    const { client } = setup({ headers: { Authorization: 'Bearer app' } })
    track(client.linkUser('as-1', undefined))
    await settle()
    expect(seen[0].init.headers).toEqual({ Authorization: 'Bearer app' })
  })

  it.each([401, 403, 404, 409])('rejects with a HornLoggerError with status %i, without retrying', async (status) => {
    const { fetch } = stubFetch(status)
    const { client } = setup()
    const result = track(client.linkUser('as-1', undefined))
    await vi.advanceTimersByTimeAsync(60_000)
    expect(result.error).toBeInstanceOf(HornLoggerError)
    expect((result.error as HornLoggerError).status).toBe(status)
    expect((result.error as Error).message).toContain(`HTTP ${status}`)
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('retries 408, 500 and network errors, then resolves on 2xx', async () => {
    const { fetch } = stubFetch(408, 500, new TypeError('network'), 200)
    const { onRetry, client } = setup()
    const result = track(client.linkUser('as-1', undefined))
    await settle()
    expect(result).toMatchObject({ settled: true, value: undefined })
    expect(fetch).toHaveBeenCalledTimes(4)
    expect(onRetry).toHaveBeenCalledTimes(3)
  })
})

describe('the consent gate', () => {
  it('starts no request before the gate opens, then goes', async () => {
    const { fetch } = stubFetch({ status: 201, body: '{"id":"as-1"}' })
    const controller = new AbortController()
    let open!: () => void
    const gate = new Promise<void>((resolve) => (open = resolve))
    const client = createClient({ retry: createRetry({ signal: controller.signal }), config: resolveConfig({ clientId: 'ui', apiUrl: API }), signal: controller.signal, gate })
    const id = track(client.register(record()))
    await settle()
    expect(fetch).not.toHaveBeenCalled()
    open()
    await settle()
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(id.value).toBe('as-1')
  })

  it('an abort while waiting at the gate (consent denied) ends the call with its reason, and no request starts', async () => {
    const { fetch } = stubFetch(201)
    const controller = new AbortController()
    let open!: () => void
    const gate = new Promise<void>((resolve) => (open = resolve))
    const client = createClient({ retry: createRetry({ signal: controller.signal }), config: resolveConfig({ clientId: 'ui', apiUrl: API }), signal: controller.signal, gate })
    const answer = track(client.request('/x', '{}'))
    await settle()
    const denied = new HornLoggerError('denied', undefined, 'denied')
    controller.abort(denied)
    open()
    await settle()
    expect(answer.error).toBe(denied)
    expect(fetch).not.toHaveBeenCalled()
  })
})

describe('request', () => {
  it('returns a permanent status as it is, without retrying', async () => {
    const { fetch } = stubFetch({ status: 413, body: 'too big' })
    const { client } = setup()
    const answer = track(client.request('/x', '{"a":1}'))
    await vi.advanceTimersByTimeAsync(60_000)
    expect(answer.value).toEqual({ status: 413, text: 'too big', retryAfter: undefined })
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('sends the same body on every attempt, and calls the headers function on each', async () => {
    const { seen } = stubFetch(502, 503, 201)
    const headers = vi.fn(() => ({ 'X-N': String(headers.mock.calls.length) }))
    const { client } = setup({ headers })
    track(client.request('/app_sessions/a/logs', '{"index":0}'))
    await settle()
    expect(seen.map((s) => s.init.body)).toEqual(['{"index":0}', '{"index":0}', '{"index":0}'])
    expect(seen.map((s) => (s.init.headers as Record<string, string>)['X-N'])).toEqual(['1', '2', '3'])
  })

  it('keeps retrying network errors (no answer is never a reason to give up)', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const { fetch } = stubFetch(new TypeError('Failed to fetch'))
    const { onRetry, client } = setup()
    const answer = track(client.request('/x'))
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(answer.settled).toBe(false)
    expect(fetch.mock.calls.length).toBeGreaterThan(20)
    expect(onRetry).toHaveBeenCalledTimes(fetch.mock.calls.length)
  })

  it('stops when the signal aborts during a backoff: rejects, and no more requests', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const { fetch } = stubFetch(503)
    const { controller, client } = setup()
    const answer = track(client.request('/x'))
    await vi.advanceTimersByTimeAsync(100)
    expect(fetch).toHaveBeenCalledTimes(1)
    controller.abort(new Error('closed'))
    await settle()
    expect(answer.settled).toBe(true)
    expect(String(answer.error)).toContain('closed')
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('stops when the signal aborts while the request is in flight, and aborts the fetch', async () => {
    let inFlight: RequestInit | undefined
    const fetch = vi.fn(
      (_url: string, init: RequestInit) =>
        new Promise<Response>((_, reject) => {
          inFlight = init
          init.signal!.addEventListener('abort', () => reject(init.signal!.reason))
        }),
    )
    vi.stubGlobal('fetch', fetch)
    const { controller, onRetry, client } = setup()
    const answer = track(client.request('/x', '{}'))
    await settle()
    expect(inFlight?.signal?.aborted).toBe(false)
    controller.abort(new Error('closed'))
    // The logger's signal aborts fetch's own; unlike a timeout, that is not retried.
    expect(inFlight?.signal?.aborted).toBe(true)
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(String(answer.error)).toContain('closed')
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(onRetry).not.toHaveBeenCalled()
  })

  it('makes no request at all when the signal is already aborted', async () => {
    const { fetch } = stubFetch(200)
    const { controller, client } = setup()
    controller.abort(new Error('gone'))
    const answer = track(client.request('/x'))
    await settle()
    expect(answer.settled).toBe(true)
    expect(answer.error).toBeDefined()
    expect(fetch).not.toHaveBeenCalled()
  })
})

/** The part of an outbox the app session uses: the record, and where the id goes. */
function owner(rec: InstanceRecord, save: () => Promise<void> = async () => {}) {
  return {
    record: rec,
    setAppSession: (id: string) => {
      rec.appSessionId = id
      return save()
    },
  }
}

describe('createAppSession', () => {
  it('registers once for concurrent callers, keeps the id in the record and saves it', async () => {
    const { fetch } = stubFetch({ status: 201, body: '{"id":"as-1"}' })
    const { client } = setup()
    const rec = record()
    const saveRecord = vi.fn(async () => {})
    const appSession = createAppSession(client, owner(rec, saveRecord))
    const a = track(appSession())
    const b = track(appSession())
    await settle()
    expect([a.value, b.value]).toEqual(['as-1', 'as-1'])
    expect(rec.appSessionId).toBe('as-1')
    expect(saveRecord).toHaveBeenCalledTimes(1)
    await expect(appSession()).resolves.toBe('as-1')
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('uses an id already in the record without registering', async () => {
    const { fetch } = stubFetch(500)
    const { client } = setup()
    const appSession = createAppSession(client, owner(record({ appSessionId: 'kept' })))
    await expect(appSession()).resolves.toBe('kept')
    expect(fetch).not.toHaveBeenCalled()
  })

  it('registers anew once the record has no id (the outbox forgot it)', async () => {
    const { fetch } = stubFetch({ status: 201, body: '{"id":"as-1"}' }, { status: 201, body: '{"id":"as-2"}' })
    const { client } = setup()
    const rec = record()
    const appSession = createAppSession(client, owner(rec))
    track(appSession())
    await settle()
    rec.appSessionId = undefined // what outbox.appSessionGone() does
    expect(rec.appSessionId).toBeUndefined()
    const again = track(appSession())
    await settle()
    expect(again.value).toBe('as-2')
    expect(rec.appSessionId).toBe('as-2')
    expect(fetch).toHaveBeenCalledTimes(2)
  })

  it('treats a refusal as final: later calls reject without another request', async () => {
    const { fetch } = stubFetch(403)
    const { client } = setup()
    const appSession = createAppSession(client, owner(record()))
    const first = track(appSession())
    await settle()
    expect(first.error).toMatchObject({ status: 403 })
    const second = track(appSession())
    await vi.advanceTimersByTimeAsync(60_000)
    expect(second.error).toMatchObject({ status: 403 })
    expect(fetch).toHaveBeenCalledTimes(1)
  })
})

describe('request where there is no global addEventListener', () => {
  it('retries after a backoff', async () => {
    vi.stubGlobal('addEventListener', undefined)
    vi.stubGlobal('removeEventListener', undefined)
    const { fetch } = stubFetch(503, 200)
    const { client } = setup()
    const answer = track(client.request('/x'))
    let thrown: unknown
    await settle().catch((error) => (thrown = error))
    expect(thrown).toBeUndefined()
    expect(fetch).toHaveBeenCalledTimes(2)
    expect(answer.value).toMatchObject({ status: 200 })
  })
})
