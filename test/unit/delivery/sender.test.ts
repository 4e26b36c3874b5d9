// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import { resolveConfig } from '../../../src/agent/config'
import { createOutbox } from '../../../src/outbox/outbox'
import type { InstanceRecord } from '../../../src/storage/schema'
import { createClient } from '../../../src/delivery/client'
import { createRetry } from '../../../src/delivery/retry'
import { createSender } from '../../../src/delivery/sender'
import { createMemoryStore } from '../../../src/storage/store'
import type { LoggerConfig } from '../../../src/types'
import { T0, settle, useFakeClockWithoutJitter } from '../../support/helpers'

const API = 'https://horn.example/api'
const FLUSH_MS = 1000

interface LogsRequest {
  appSessionId: string
  index: number
  time: number
  data: string
  body: string
  keepalive: boolean
}

type Answer = number | Promise<number>

/**
 * A fake Horn server behind a stubbed fetch. Registration answers `{id: "as-N"}`;
 * each logs request gets `onLogs(request)`: a status, or a promise of one (to hold it in flight).
 */
function stubServer(onLogs: (request: LogsRequest) => Answer = () => 200, onRegister: () => number = () => 201) {
  const registrations: string[] = []
  const logs: LogsRequest[] = []
  const fetch = vi.fn(async (url: string, init: RequestInit) => {
    const path = url.slice(API.length)
    let status: number
    let body = ''
    if (path.startsWith('/app_sessions/new/')) {
      status = onRegister()
      registrations.push(path)
      if (status < 300) body = JSON.stringify({ id: `as-${registrations.length}` })
    } else {
      const match = /^\/app_sessions\/([^/]+)\/logs$/.exec(path)
      if (!match) throw new Error('unexpected request ' + url)
      const sent = JSON.parse(init.body as string) as { index: number; time: number; data: string }
      const request = { appSessionId: decodeURIComponent(match[1]), ...sent, body: init.body as string, keepalive: !!init.keepalive }
      logs.push(request)
      status = await onLogs(request)
    }
    return new Response(body, { status })
  })
  vi.stubGlobal('fetch', fetch)
  return { fetch, registrations, logs }
}

/** A line numbered so order is visible. */
const line = (n: number) => `entry ${n}\n`

function setup(overrides: Partial<LoggerConfig> = {}) {
  const controller = new AbortController()
  const signal = controller.signal
  const config = resolveConfig({ clientId: 'conf ui', apiUrl: API, flushInterval: FLUSH_MS, maxBatchEntries: 3, ...overrides })
  const counts = { persisted: 0, dropped: 0, acknowledged: 0, retries: 0 }
  const record: InstanceRecord = { id: 'inst', clientId: config.clientId, started: T0, url: 'https://app.example/', nextIndex: 0, head: 0 }
  const store = createMemoryStore()
  const outbox = createOutbox({
    record,
    store,
    limits: config,
    events: {
      persisted: (n) => void (counts.persisted += n),
      dropped: (n) => void (counts.dropped += n),
      acknowledged: (n) => void (counts.acknowledged += n),
      notice: (time, n) => `${time} WARN dropped ${n}\n`,
    },
  })
  const retry = createRetry({ signal, onRetry: () => void counts.retries++ })
  const client = createClient({ retry, config, signal })
  const sender = createSender({ outbox, client, config, signal })
  let next = 0
  /** Appends `n` entries at the current (fake) time, as the log call does, and kicks like the persist tick does. */
  const log = (n: number) => {
    for (let i = 0; i < n; i++) outbox.push(Date.now(), line(next++))
  }
  return { controller, config, counts, record, store, outbox, sender, log, all: () => Array.from({ length: next }, (_, i) => line(i)).join('') }
}


/** A status to answer later, holding the request in flight until then. */
function deferred() {
  let answer!: (status: number) => void
  const promise = new Promise<number>((resolve) => (answer = resolve))
  return { promise, answer }
}

useFakeClockWithoutJitter()

describe('createSender', () => {
  it('registers once, on the first kick, under the URL-encoded clientId, and keeps the id in the record', async () => {
    const server = stubServer()
    const { sender, record, log } = setup()
    void sender.kick()
    await settle()
    expect(server.registrations).toEqual(['/app_sessions/new/conf%20ui'])
    expect(record.appSessionId).toBe('as-1')
    sender.sendNow()
    for (let round = 0; round < 3; round++) {
      log(2)
      void sender.kick()
      await settle()
    }
    await expect(sender.appSession()).resolves.toBe('as-1')
    expect(server.registrations).toHaveLength(1)
    expect(server.logs.map((r) => [r.appSessionId, r.index])).toEqual([
      ['as-1', 0],
      ['as-1', 1],
      ['as-1', 2],
    ])
  })

  it('sends a batch when the flush interval since its oldest entry is up, not before', async () => {
    const server = stubServer()
    const { sender, log, all, counts } = setup()
    const until = (t: number) => vi.advanceTimersByTimeAsync(t - Date.now())
    log(1)
    void sender.kick()
    await until(T0 + 600)
    expect(server.registrations).toHaveLength(1)
    log(1) // a newer entry does not push the deadline back
    void sender.kick()
    await until(T0 + FLUSH_MS - 1)
    expect(server.logs).toEqual([])
    await until(T0 + FLUSH_MS)
    expect(server.logs).toHaveLength(1)
    expect(server.logs[0]).toMatchObject({ index: 0, time: T0, data: all() })
    expect(counts.acknowledged).toBe(2)
  })

  it('sends at once while sendNow() holds, and waits for the deadline again once released', async () => {
    const server = stubServer()
    const { sender, log } = setup()
    log(2)
    void sender.kick()
    await settle()
    expect(server.logs).toHaveLength(0)
    const release = sender.sendNow()
    await settle()
    expect(server.logs.map((r) => r.index)).toEqual([0])
    release()
    log(1)
    void sender.kick()
    await settle()
    expect(server.logs).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(FLUSH_MS)
    expect(server.logs.map((r) => r.index)).toEqual([0, 1])
  })

  it('sends full batches at once and leaves the rest to its deadline', async () => {
    const server = stubServer()
    const { sender, log, all } = setup({ maxBatchEntries: 3 })
    log(7)
    void sender.kick()
    await settle()
    // 7 entries: two batches of 3 are full (more waits behind each); the last one is not.
    expect(server.logs.map((r) => r.data.split('\n').length - 1)).toEqual([3, 3])
    await vi.advanceTimersByTimeAsync(FLUSH_MS)
    expect(server.logs.map((r) => r.index)).toEqual([0, 1, 2])
    expect(server.logs.map((r) => r.data).join('')).toBe(all())
  })

  it('keeps one batch in flight at a time, in index order', async () => {
    const answers: Array<ReturnType<typeof deferred>> = []
    const server = stubServer(() => {
      const d = deferred()
      answers.push(d)
      return d.promise
    })
    const { sender, log, all, outbox } = setup({ maxBatchEntries: 2 })
    sender.sendNow()
    log(6)
    const done = sender.kick()
    await settle()
    expect(server.logs.map((r) => r.index)).toEqual([0])
    // More kicks while one is in flight join it; they start nothing.
    expect(sender.kick()).toBe(done)
    log(1)
    void sender.kick()
    await settle()
    expect(server.logs).toHaveLength(1)
    for (let i = 1; i <= 3; i++) {
      answers[i - 1].answer(200)
      await settle()
      expect(server.logs.map((r) => r.index)).toEqual(Array.from({ length: i + 1 }, (_, k) => k))
    }
    answers[3].answer(200)
    await settle()
    expect(server.logs.map((r) => r.data).join('')).toBe(all())
    expect(outbox.sealed).toEqual([])
  })

  it.each([200, 201, 204, 409])('settles a batch answered %i: acknowledged, removed from the outbox and the store', async (status) => {
    stubServer(() => status)
    const { sender, log, counts, outbox, store } = setup()
    sender.sendNow()
    log(3)
    void sender.kick()
    await settle()
    expect(counts).toMatchObject({ acknowledged: 3, dropped: 0 })
    expect(outbox.sealed).toEqual([])
    expect(await store.read('b:')).toEqual([])
  })

  it('retries 5xx, 408 and 429 with the byte-identical body, then settles', async () => {
    const statuses = [503, 408, 429, 500, 200]
    const server = stubServer(() => statuses.shift()!)
    const { sender, log, counts } = setup()
    sender.sendNow()
    log(3)
    void sender.kick()
    await settle(40)
    expect(server.logs).toHaveLength(5)
    expect(new Set(server.logs.map((r) => r.body)).size).toBe(1)
    expect(counts).toMatchObject({ acknowledged: 3, retries: 4 })
  })

  it('splits a batch answered 413 and sends both halves under contiguous indexes', async () => {
    const server = stubServer((r) => (r.data.split('\n').length - 1 > 2 ? 413 : 200))
    const { sender, log, all, counts, outbox } = setup({ maxBatchEntries: 5 })
    sender.sendNow()
    log(5)
    void sender.kick()
    await settle()
    // 5 lines refused, then 3 refused, then 2, 1, 2 accepted: every entry once, in order, indexes 0, 1, 2.
    const accepted = server.logs.filter((r) => r.data.split('\n').length - 1 <= 2)
    expect(server.logs.map((r) => [r.index, r.data.split('\n').length - 1])).toEqual([
      [0, 5],
      [0, 3],
      [0, 2],
      [1, 1],
      [2, 2],
    ])
    expect(accepted.map((r) => r.data).join('')).toBe(all())
    expect(counts).toMatchObject({ acknowledged: 5, dropped: 0 })
    expect(outbox.sealed).toEqual([])
    // The next batch carries on from there.
    log(1)
    void sender.kick()
    await settle()
    expect(server.logs.at(-1)).toMatchObject({ index: 3, data: line(5) })
  })

  it('drops a single-entry batch answered 413 (nothing to split), once, and goes on', async () => {
    const server = stubServer((r) => (r.index === 0 ? 413 : 200))
    const { sender, log, counts } = setup({ maxBatchEntries: 1 })
    sender.sendNow()
    log(2)
    void sender.kick()
    await settle()
    expect(server.logs.map((r) => [r.index, r.data])).toEqual([
      [0, line(0)],
      [1, line(1)],
    ])
    expect(counts).toMatchObject({ acknowledged: 1, dropped: 1 })
  })

  it('on 404 registers a new app session and sends the batch there renumbered from 0', async () => {
    const server = stubServer((r) => (r.appSessionId === 'as-1' && r.index === 2 ? 404 : 200))
    const { sender, log, record, counts } = setup({ maxBatchEntries: 2 })
    sender.sendNow()
    log(6)
    void sender.kick()
    await settle()
    expect(server.registrations).toHaveLength(2)
    expect(record.appSessionId).toBe('as-2')
    expect(server.logs.map((r) => [r.appSessionId, r.index, r.data])).toEqual([
      ['as-1', 0, line(0) + line(1)],
      ['as-1', 1, line(2) + line(3)],
      ['as-1', 2, line(4) + line(5)],
      ['as-2', 0, line(4) + line(5)],
    ])
    expect(counts).toMatchObject({ acknowledged: 6, dropped: 0 })
    log(1)
    void sender.kick()
    await settle()
    expect(server.logs.at(-1)).toMatchObject({ appSessionId: 'as-2', index: 1, data: line(6) })
    expect(server.registrations).toHaveLength(2)
  })

  it.each([400, 403, 422])('drops a batch answered %i once, counting it dropped, and goes on', async (status) => {
    const server = stubServer((r) => (r.index === 1 ? status : 200))
    const { sender, log, counts, outbox, store } = setup({ maxBatchEntries: 2 })
    sender.sendNow()
    log(6)
    void sender.kick()
    await settle()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(server.logs.map((r) => r.index)).toEqual([0, 1, 2])
    expect(counts).toMatchObject({ acknowledged: 4, dropped: 2 })
    expect(outbox.sealed).toEqual([])
    expect(await store.read('b:')).toEqual([])
  })

  it('stops delivery when registration is refused, with no busy loop', async () => {
    const server = stubServer(undefined, () => 403)
    const { sender, log, outbox } = setup()
    log(3)
    void sender.kick()
    await settle()
    expect(server.fetch).toHaveBeenCalledTimes(1)
    // Time passes, deadlines come, more is logged and kicked: still that one request, and no timer left.
    for (let i = 0; i < 10; i++) {
      log(1)
      void sender.kick()
      await vi.advanceTimersByTimeAsync(60_000)
    }
    sender.sendNow()
    void sender.kick()
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(server.fetch).toHaveBeenCalledTimes(1)
    expect(server.logs).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
    expect(outbox.waiting).toBe(13)
    // drain() gives up too, rather than spinning.
    await expect(sender.drain()).resolves.toBeUndefined()
  })

  it('drain() sends everything, however little, until the outbox is empty', async () => {
    const statuses = [503]
    const server = stubServer(() => statuses.shift() ?? 200)
    const { sender, log, outbox, all, counts } = setup({ maxBatchEntries: 2 })
    log(5)
    const drained = sender.drain()
    let done = false
    void drained.then(() => (done = true))
    await settle(40)
    expect(done).toBe(true)
    expect(outbox.sealed).toEqual([])
    expect(outbox.waiting).toBe(0)
    expect(outbox.oldest).toBeUndefined()
    expect(counts.acknowledged).toBe(5)
    expect(server.logs.map((r) => r.index)).toEqual([0, 0, 1, 2])
    expect(server.logs.slice(1).map((r) => r.data).join('')).toBe(all())
  })

  it('drain() sends what is not yet due', async () => {
    const server = stubServer()
    const { sender, log, outbox, controller } = setup()
    void sender.kick()
    await settle() // registered
    log(2)
    let turns = 0
    const peek = outbox.peek
    const spy = vi.spyOn(outbox, 'peek').mockImplementation(() => {
      if (++turns > 1000) controller.abort(new Error('spinning'))
      return peek()
    })
    await sender.drain()
    spy.mockRestore()
    expect(turns).toBeLessThan(1000)
    expect(server.logs).toHaveLength(1)
  })

  describe('exit()', () => {
    it('sends keepalive copies of what waits, before storing the rest, and settles them by their answers', async () => {
      const server = stubServer()
      const { sender, log, outbox, counts, store, all } = setup({ maxBatchEntries: 3 })
      void sender.kick()
      await settle() // registered
      log(7) // not due for another second
      const persist = vi.spyOn(outbox, 'persist')
      sender.exit()
      // Sent in the exit's own task: there may be no next one.
      expect(server.logs.map((r) => [r.index, r.keepalive])).toEqual([
        [0, true],
        [1, true],
        [2, true],
      ])
      expect(persist).toHaveBeenCalledTimes(1)
      expect(server.fetch.mock.invocationCallOrder.at(-1)).toBeLessThan(persist.mock.invocationCallOrder[0])
      expect(server.logs.map((r) => r.data).join('')).toBe(all())
      await settle()
      expect(counts.acknowledged).toBe(7)
      expect(outbox.sealed).toEqual([])
      expect(await store.read('b:')).toEqual([])
    })

    it('keeps within the keepalive budget, counting its copies still in flight', async () => {
      const held = deferred()
      const server = stubServer((r) => (r.keepalive ? held.promise : 200))
      const { sender, outbox } = setup({ maxBatchEntries: 1 })
      void sender.kick()
      await settle()
      for (let i = 0; i < 12; i++) outbox.push(Date.now(), `${i} `.padEnd(6999, 'x') + '\n')
      sender.exit()
      const sent = server.logs.length
      const bytes = server.logs.reduce((sum, r) => sum + r.body.length, 0)
      expect(sent).toBeGreaterThan(1)
      expect(bytes).toBeLessThanOrEqual(60 * 1024)
      expect(bytes + server.logs[0].body.length).toBeGreaterThan(60 * 1024)
      // Those are still in flight: a second exit has no budget left.
      sender.exit()
      expect(server.logs).toHaveLength(sent)
      held.answer(200)
      await settle()
      // Answered: the budget is back, and the sender goes on with the rest as usual.
      expect(outbox.sealed.length + outbox.waiting).toBe(12 - sent)
    })

    it('sends nothing without an app session, and stores everything', async () => {
      const server = stubServer()
      const { sender, log, outbox, store } = setup()
      log(2)
      sender.exit()
      expect(server.fetch).not.toHaveBeenCalled()
      await outbox.persist()
      expect((await store.read<{ l: string[] }>('c:'))[0][1].l).toEqual([line(0), line(1)])
    })
  })

  it('stop() cancels the deadline timer', async () => {
    const server = stubServer()
    const { sender, log } = setup()
    log(1)
    void sender.kick()
    await settle()
    sender.stop()
    await vi.advanceTimersByTimeAsync(10 * FLUSH_MS)
    expect(server.logs).toEqual([])
  })
})
