/**
 * SPEC sections 2–3 in real Chromium: the built script-tag bundle against the
 * reference server. Register, deliver exactly once in order, link the user,
 * survive a flaky server, and never throw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { agentPage, entryNumbers, indexesOf, launch, range, startServer, waitFor, type HornServer } from '../support/harness'

let server: HornServer
let browser: Awaited<ReturnType<typeof launch>>

beforeAll(async () => {
  browser = await launch()
})
afterAll(async () => {
  await browser?.close()
})

async function open(url: string): Promise<Page> {
  const page = await browser.context.newPage()
  await page.goto(url)
  await page.waitForFunction(() => !!(window as any).hornLogger?.stats)
  return page
}

describe('script tag against a healthy server', () => {
  const bodies: string[] = []
  beforeAll(async () => {
    server = await startServer({ onLogs: (_req, info) => void bodies.push(info.body) })
  })
  afterAll(() => server?.close())

  it('registers one app session with started, url and channel, and sets ready/appSessionId', async () => {
    const before = Date.now()
    const url = server.page('register.html', agentPage({ 'client-id': 'conference-ui', 'api-url': server.url, channel: 'chan-1' }))
    const page = await open(url)
    const id = await page.evaluate(() => (window as any).hornLogger.ready)
    expect(await page.evaluate(() => (window as any).hornLogger.appSessionId)).toBe(id)
    const session = server.state.appSessions().find((s) => s.id === id)!
    expect(session.clientId).toBe('conference-ui')
    expect(session.url).toBe(url)
    expect(session.started).toBeGreaterThanOrEqual(before - 1000)
    expect(session.started).toBeLessThanOrEqual(Date.now())
    expect(session.channels).toEqual(['chan-1'])
    const registrations = server.arrivals.filter((r) => r.path === '/app_sessions/new/conference-ui')
    expect(registrations).toHaveLength(1)
    await page.close()
  })

  it('delivers 1,000 entries exactly once, in order, indexes contiguous from 0, every request under 64 KiB', async () => {
    bodies.length = 0
    const page = await open(server.page('thousand.html', agentPage({ 'client-id': 'thousand', 'api-url': server.url })))
    const flushed = await page.evaluate(async () => {
      const log = (window as any).hornLogger
      for (let i = 0; i < 1000; i++) log.info(`entry ${i}`, { i, room: 'blue', text: 'x'.repeat(i % 50) })
      return log.flush({ timeout: 30_000 })
    })
    expect(flushed).toBe(true)
    const id = await page.evaluate(() => (window as any).hornLogger.appSessionId)
    expect(entryNumbers(server.state.logs(id))).toEqual(range(1000))
    const indexes = indexesOf(server, id)
    expect(indexes).toEqual(range(indexes.length))
    expect(indexes.length).toBeGreaterThan(1)
    expect(bodies.length).toBeGreaterThanOrEqual(indexes.length)
    for (const body of bodies) expect(Buffer.byteLength(body)).toBeLessThan(64 * 1024)
    const stats = await page.evaluate(() => (window as any).hornLogger.stats())
    // The 1,000 and the page-info first line, delivered like any other entry.
    expect(stats).toMatchObject({ logged: 1001, persisted: 1001, acknowledged: 1001, dropped: 0, pending: 0 })
    expect(server.state.logs(id)!.split('\n')[0]).toMatch(/ INFO page info \{"userAgent":/)
    await page.close()
  })

  it('formats text lines: ISO time, level, message, context JSON, redacted keys', async () => {
    const page = await open(server.page('format.html', agentPage({ 'client-id': 'format', 'api-url': server.url, 'log-page-info': 'false' })))
    await page.evaluate(async () => {
      const log = (window as any).hornLogger
      log.warn('line one\nline two', { user: { name: 'ann', Password: 'hunter2', nested: [{ token: 't' }] } })
      log.error(new Error('boom'))
      return log.flush({ timeout: 10_000 })
    })
    const id = await page.evaluate(() => (window as any).hornLogger.appSessionId)
    const [warn, error] = server.state.logs(id)!.split('\n')
    expect(warn).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN line one\\nline two \{/)
    expect(warn).toContain('"Password":"[redacted]"')
    expect(warn).toContain('"token":"[redacted]"')
    expect(warn).not.toContain('hunter2')
    expect(error).toMatch(/ERROR Error: boom \{"error":\{"name":"Error","message":"boom","stack":"Error: boom\\n/)
    await page.close()
  })

  it('links the user with the headers the app supplies, and rejects with the status when refused', async () => {
    const page = await open(server.page('link.html', agentPage({ 'client-id': 'link', 'api-url': server.url })))
    const refused = await page.evaluate(() =>
      (window as any).hornLogger.linkUser({ headers: { Authorization: 'Bearer wrong' } }).then(
        () => 'linked',
        (error: Error) => error.message,
      ),
    )
    expect(refused).toMatch(/401/)
    await page.evaluate(() => (window as any).hornLogger.linkUser({ headers: { Authorization: 'Bearer demo-alice' } }))
    const id = await page.evaluate(() => (window as any).hornLogger.appSessionId)
    const link = server.state.requests.filter((r) => r.path === `/app_sessions/${id}/link/user` && r.status === 200)
    expect(link).toHaveLength(1)
    expect(link[0].headers.authorization).toBe('Bearer demo-alice')
    const session = server.state.appSessions().find((s) => s.id === id)!
    expect(JSON.stringify(session.users)).toContain('1001')
    await page.close()
  })

  it('never throws, whatever it is given', async () => {
    const page = await open(server.page('hostile.html', agentPage({ 'client-id': 'hostile', 'api-url': server.url, 'log-page-info': 'false' })))
    const result = await page.evaluate(async () => {
      // Every call counted: the same message with 18 contexts would meet the repeat limit.
      const log = (window as any).HornLogger.createLogger({ clientId: 'hostile', apiUrl: location.origin, logPageInfo: false, repeatLimit: 0 })
      const circular: any = { name: 'loop' }
      circular.self = circular
      const getter = Object.defineProperty({}, 'bad', {
        enumerable: true,
        get() {
          throw new Error('getter says no')
        },
      })
      const proxy = new Proxy({}, { ownKeys: () => { throw new Error('trap') }, get: () => { throw new Error('trap') } })
      const weirdError = new Error('odd')
      Object.defineProperty(weirdError, 'message', { get() { throw new Error('no message') } })
      const inputs: unknown[] = [
        circular, 10n, Symbol('s'), getter, proxy, document.body, 'x'.repeat(1_000_000), null, undefined, 42, NaN,
        () => 1, [circular, [circular]], new Map([[1, 2]]), new Set([1]), new Uint8Array(4), weirdError, Object.create(null),
      ]
      let thrown = 0
      for (const method of ['debug', 'info', 'warn', 'error']) {
        for (const a of inputs) {
          for (const b of inputs) {
            try {
              log[method](a, b)
            } catch {
              thrown++
            }
          }
        }
      }
      // Methods that return promises may reject (linkUser without a user: 401), but never throw.
      const calls = [
        () => log.flush('nonsense'), () => log.linkUser(42), () => log.stats(1), () => log.flush({ timeout: -1 }),
        () => log.setContext(proxy), () => log.setContextProperty(Symbol('k'), circular), () => log.removeContextProperty(getter),
        () => log.getContext(), () => log.child(proxy).child(getter).setLevel(10n), () => log.child(null).close(),
      ]
      for (const call of calls) {
        try {
          call()?.catch?.(() => {})
        } catch {
          thrown++
        }
      }
      return { thrown, flushed: await log.flush({ timeout: 20_000 }), stats: log.stats(), id: log.appSessionId as string }
    })
    expect(result.thrown).toBe(0)
    expect(result.flushed).toBe(true)
    expect(result.stats.logged).toBe(4 * 18 * 18)
    expect(result.stats.acknowledged).toBe(result.stats.logged)
    const text = server.state.logs(result.id)!
    expect(text.split('\n').filter(Boolean)).toHaveLength(4 * 18 * 18)
    expect(text).toContain('[Circular]')
    expect(text).toContain('<body>')
    expect(text).toContain('truncated')
    await page.close()
  })
})

describe('script tag against a flaky server', () => {
  afterAll(() => server?.close())

  it('delivers 2,000 entries exactly once and in order with 30 % 503 and 10 % 429 (Retry-After: 1)', async () => {
    let answered = 0
    const faults = { s503: 0, s429: 0 }
    // A fixed pseudo-random sequence, so a failure can be replayed.
    let seed = 42
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    server = await startServer({
      onLogs: () => {
        answered++
        const r = random()
        if (r < 0.3) return void faults.s503++, { status: 503 }
        if (r < 0.4) return void faults.s429++, { status: 429, headers: { 'Retry-After': '1' } }
        return undefined
      },
    })
    // Small batches, so the run sees many requests and many faults. The page's own logger sends nothing,
    // so every fault the server counts is one that this logger retried.
    const page = await open(server.page('flaky.html', agentPage({ 'client-id': 'flaky', 'api-url': server.url, 'log-page-info': 'false' })))
    const result = await page.evaluate(async () => {
      const log = (window as any).HornLogger.createLogger({ clientId: 'flaky-2k', apiUrl: location.origin, maxBatchBytes: 8192 })
      for (let i = 0; i < 2000; i++) log.info(`entry ${i}`, { i })
      const flushed = await log.flush({ timeout: 120_000 })
      return { flushed, id: log.appSessionId, stats: log.stats() }
    })
    expect(result.flushed).toBe(true)
    expect(entryNumbers(server.state.logs(result.id))).toEqual(range(2000))
    const indexes = indexesOf(server, result.id)
    expect(indexes).toEqual(range(indexes.length))
    expect(faults.s503).toBeGreaterThan(0)
    expect(faults.s429).toBeGreaterThan(0)
    expect(result.stats.retries).toBeGreaterThanOrEqual(faults.s503 + faults.s429 - 1)
    expect(server.state.conflicts).toHaveLength(0)
    expect(answered).toBeGreaterThan(indexes.length)
    await page.close()
  }, 180_000)
})
