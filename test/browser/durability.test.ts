/**
 * SPEC section 4, promises 2–6, in real Chromium on the built bundle:
 * crashes, closed tabs, several tabs, navigation, offline, missing storage,
 * the storage bound and a server outage. Each test names the promise it proves.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { agentPage, entryNumbers, holdLogs, indexesOf, launch, lines, range, startServer, waitFor, type HornServer } from '../support/harness'

let server: HornServer | undefined
let browser: Awaited<ReturnType<typeof launch>> | undefined

afterEach(async () => {
  await browser?.close().catch(() => {})
  await server?.close()
  browser = server = undefined
})

const logger = (page: Page) => page.evaluate(() => (window as any).hornLogger.appSessionId as string)

async function open(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(url)
  await page.waitForFunction(() => !!(window as any).hornLogger?.stats)
  return page
}

/** Logs `n` entries tagged `tag` and waits until IndexedDB holds them all. */
async function logAndPersist(page: Page, n: number, tag = 'entry') {
  await page.evaluate(
    ({ n, tag }) => {
      const log = (window as any).hornLogger
      for (let i = 0; i < n; i++) log.info(`${tag} ${i}`, { i, pad: 'p'.repeat(40) })
    },
    { n, tag },
  )
  // Every entry logged so far, the page-info line included.
  await waitFor('entries persisted', () => page.evaluate((n) => {
    const stats = (window as any).hornLogger.stats()
    return stats.logged >= n && stats.persisted >= stats.logged
  }, n), 10_000)
}

async function crash(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page)
  const crashed = new Promise((resolve) => page.once('crash', resolve))
  // The command itself never answers: the renderer it would answer from is gone.
  void cdp.send('Page.crash').catch(() => {})
  await crashed
}

describe('promise 3: what a crashed or closed tab left is delivered to its own app session, exactly once', () => {
  /**
   * A tab that registered, logged 3,000 entries (stored, none acknowledged:
   * the server holds every logs request) and crashed. Returns its page URL and app session id.
   */
  async function crashedTab(clientId: string) {
    const hold = holdLogs()
    server = await startServer({ onLogs: hold.onLogs })
    browser = await launch(true)
    const url = server.page(`${clientId}.html`, agentPage({ 'client-id': clientId, 'api-url': server.url }))
    const first = await open(browser.context, url)
    await first.evaluate(() => (window as any).hornLogger.ready)
    const crashedId = await logger(first)
    await logAndPersist(first, 3000)
    await crash(browser.context, first)
    hold.release()
    return { url, crashedId, context: browser.context, server }
  }

  it('1. a crashed tab: 3,000 entries arrive once under its own id; the new page keeps its own', async () => {
    const { url, crashedId, server } = await crashedTab('crash')

    const next = await open(browser!.context, url)
    await next.evaluate(() => {
      const log = (window as any).hornLogger
      for (let i = 0; i < 10; i++) log.info(`mine ${i}`)
      return log.flush({ timeout: 30_000 })
    })
    const ownId = await logger(next)
    expect(ownId).not.toBe(crashedId)
    await waitFor('the crashed tab’s entries', () => entryNumbers(server.state.logs(crashedId)).length >= 3000, 60_000)
    expect(entryNumbers(server.state.logs(crashedId))).toEqual(range(3000))
    expect(entryNumbers(server.state.logs(crashedId), 'mine')).toEqual([])
    expect(indexesOf(server, crashedId)).toEqual(range(indexesOf(server, crashedId).length))
    expect(entryNumbers(server.state.logs(ownId), 'mine')).toEqual(range(10))
    expect(entryNumbers(server.state.logs(ownId))).toEqual([])
    expect(server.state.conflicts).toHaveLength(0)
  }, 120_000)

  it('2. a crashed tab, then two new pages opening at once: still exactly once', async () => {
    const { url, crashedId, context, server } = await crashedTab('crash2')
    const [a, b] = await Promise.all([context.newPage(), context.newPage()])
    await Promise.all([a.goto(url), b.goto(url)])
    await waitFor('the crashed tab’s entries', () => entryNumbers(server.state.logs(crashedId)).length >= 3000, 60_000)
    // Give a second adopter the time it would need to send anything twice.
    await Promise.all([a, b].map((p) => p.evaluate(() => (window as any).hornLogger.flush({ timeout: 10_000 }))))
    expect(entryNumbers(server.state.logs(crashedId))).toEqual(range(3000))
    expect(server.state.conflicts).toHaveLength(0)
  }, 120_000)

  it('3. a tab that never registered and closed: its entries arrive under a session registered for it, with its url', async () => {
    server = await startServer()
    browser = await launch(true)
    // Its API is unreachable (nothing listens on port 9 here), as if the server were down.
    const deadUrl = server.page('never-a.html', agentPage({ 'client-id': 'never', 'api-url': 'http://127.0.0.1:9' }))
    const first = await open(browser.context, deadUrl)
    const started = Date.now()
    await logAndPersist(first, 500)
    expect(await logger(first)).toBeUndefined()
    await first.close()

    const next = await open(browser.context, server.page('never-b.html', agentPage({ 'client-id': 'never', 'api-url': server.url })))
    const orphan = await waitFor('a session registered for the closed tab', () =>
      server!.state.appSessions().find((s) => s.url === deadUrl),
    )
    expect(orphan.clientId).toBe('never')
    expect(Math.abs(orphan.started - started)).toBeLessThan(5_000)
    await waitFor('its entries', () => entryNumbers(server!.state.logs(orphan.id)).length >= 500)
    expect(entryNumbers(server.state.logs(orphan.id))).toEqual(range(500))
    expect(await logger(next)).not.toBe(orphan.id)
  }, 60_000)

  it('4. navigating away right after logging 200 entries: all 200 arrive exactly once', async () => {
    server = await startServer()
    browser = await launch(true)
    // No page-info line: it would be stored 100 ms after load, long before the unload, and when the unload's
    // own write is lost the next load cuts a shorter batch 0 from what was stored (answered 409: a conflict).
    const url = server.page('leave.html', agentPage({ 'client-id': 'leave', 'api-url': server.url, 'log-page-info': 'false' }))
    const page = await open(browser.context, url)
    await page.evaluate(() => (window as any).hornLogger.ready)
    const id = await logger(page)
    await page.evaluate(() => {
      const log = (window as any).hornLogger
      for (let i = 0; i < 200; i++) log.info(`entry ${i}`, { i })
    })
    await page.goto(server.page('elsewhere.html', agentPage({ 'client-id': 'leave', 'api-url': server.url })))
    await waitFor('200 entries', () => entryNumbers(server!.state.logs(id)).length >= 200)
    await page.evaluate(() => (window as any).hornLogger.flush({ timeout: 5_000 }))
    expect(entryNumbers(server.state.logs(id))).toEqual(range(200))
    expect(server.state.conflicts).toHaveLength(0)
  }, 60_000)

  it('a pagehide into the back/forward cache does not stop the agent: it carries on after pageshow', async () => {
    server = await startServer()
    browser = await launch()
    const page = await open(browser.context, server.page('bfcache.html', agentPage({ 'client-id': 'bfcache', 'api-url': server.url })))
    const result = await page.evaluate(async () => {
      const log = (window as any).hornLogger
      await log.ready
      for (let i = 0; i < 20; i++) log.info(`entry ${i}`)
      // What Chromium dispatches when a page enters and leaves the back/forward cache.
      dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }))
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true })
      document.dispatchEvent(new Event('visibilitychange'))
      Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true })
      dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))
      for (let i = 20; i < 40; i++) log.info(`entry ${i}`)
      return { flushed: await log.flush({ timeout: 10_000 }), id: log.appSessionId }
    })
    expect(result.flushed).toBe(true)
    expect(entryNumbers(server.state.logs(result.id))).toEqual(range(40))
    expect(server.state.conflicts).toHaveLength(0)
  })
})

describe('promise 4: retries well', () => {
  it('5. offline: no request while offline, everything once back online', async () => {
    server = await startServer()
    browser = await launch()
    const page = await open(browser.context, server.page('offline.html', agentPage({ 'client-id': 'offline', 'api-url': server.url })))
    await page.evaluate(() => (window as any).hornLogger.ready)
    const id = await logger(page)
    await browser.context.setOffline(true)
    const offlineAt = Date.now()
    await page.evaluate(() => {
      const log = (window as any).hornLogger
      for (let i = 0; i < 500; i++) log.info(`entry ${i}`, { i })
      // Ask for delivery now: it must wait for the network anyway.
      void log.flush({ timeout: 60_000 })
    })
    await waitFor('the batch to come due', async () => (await page.evaluate(() => (window as any).hornLogger.stats().persisted)) >= 500)
    await page.waitForTimeout(1500) // beyond the flush interval: a careless agent would have tried by now
    const onlineAt = Date.now()
    await browser.context.setOffline(false)
    expect(await page.evaluate(() => (window as any).hornLogger.flush({ timeout: 30_000 }))).toBe(true)
    const whileOffline = server.arrivals.filter((r) => r.path.endsWith('/logs') && r.time >= offlineAt && r.time < onlineAt)
    expect(whileOffline).toEqual([])
    expect(entryNumbers(server.state.logs(id))).toEqual(range(500))
  }, 60_000)

  it('8. server down for 10 s, then up: everything arrives exactly once', async () => {
    server = await startServer()
    browser = await launch()
    const page = await open(browser.context, server.page('outage.html', agentPage({ 'client-id': 'outage', 'api-url': server.url })))
    await page.evaluate(() => (window as any).hornLogger.ready)
    const id = await logger(page)
    server.controls.logsDown(10)
    const flushed = await page.evaluate(async () => {
      const log = (window as any).hornLogger
      for (let i = 0; i < 1000; i++) {
        log.info(`entry ${i}`, { i })
        if (i % 100 === 99) await new Promise((r) => setTimeout(r, 200))
      }
      return log.flush({ timeout: 60_000 })
    })
    expect(flushed).toBe(true)
    expect(entryNumbers(server.state.logs(id))).toEqual(range(1000))
    expect(indexesOf(server, id)).toEqual(range(indexesOf(server, id).length))
    expect(server.state.conflicts).toHaveLength(0)
    expect(server.state.requests.some((r) => r.path.endsWith('/logs') && r.status === 503)).toBe(true)
  }, 90_000)
})

describe('promise 6: degrades, never dies', () => {
  const cases = {
    missing: `Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true })`,
    throwing: `Object.defineProperty(window, 'indexedDB', { get() { throw new DOMException('blocked', 'SecurityError') }, configurable: true })`,
    'open throws': `IDBFactory.prototype.open = function () { throw new DOMException('denied', 'SecurityError') }`,
    'open fails': `IDBFactory.prototype.open = function () {
      const request = {}; setTimeout(() => { request.error = new DOMException('quota', 'QuotaExceededError'); request.onerror && request.onerror(new Event('error')) }); return request }`,
  }
  for (const [name, breakIt] of Object.entries(cases)) {
    it(`6. indexedDB ${name}: entries still arrive, nothing throws`, async () => {
      server = await startServer()
      browser = await launch()
      const warnings: string[] = []
      const page = await browser.context.newPage()
      page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()))
      const html = agentPage({ 'client-id': 'no-idb', 'api-url': server.url }).replace('<script src', `<script>${breakIt}</script><script src`)
      await page.goto(server.page(`no-idb-${name.replace(' ', '-')}.html`, html))
      const result = await page.evaluate(async () => {
        const log = (window as any).hornLogger
        for (let i = 0; i < 300; i++) log.info(`entry ${i}`)
        return { flushed: await log.flush({ timeout: 20_000 }), id: log.appSessionId, stats: log.stats() }
      })
      expect(result.flushed).toBe(true)
      expect(entryNumbers(server.state.logs(result.id))).toEqual(range(300))
      expect(result.stats.persisted).toBe(301) // and the page-info line
      expect(warnings.filter((w) => /IndexedDB/.test(w))).toHaveLength(1)
    }, 60_000)
  }
})

describe('promise 5: bounded', () => {
  it('7. a small maxStoredBytes with the server down: drops counted, one WARN line where they were, memory bounded, later entries arrive', async () => {
    server = await startServer()
    browser = await launch()
    const page = await open(browser.context, server.page('bound.html', agentPage({ 'client-id': 'bound-page', 'api-url': server.url })))
    // Down long enough for the measurement below; its Retry-After (≤ 5 s) is then honoured.
    server.controls.logsDown(5)
    // Live heap after a full collection, so garbage from the logging loop does not count.
    const cdp = await browser.context.newCDPSession(page)
    const liveHeap = async () => {
      await cdp.send('HeapProfiler.collectGarbage')
      return (await cdp.send('Runtime.getHeapUsage')).usedSize
    }
    const heapBefore = await liveHeap()
    const during = await page.evaluate(async () => {
      const log = ((window as any).bounded = (window as any).HornLogger.createLogger({
        clientId: 'bound',
        apiUrl: location.origin,
        maxBatchBytes: 4096,
        maxStoredBytes: 16_384,
        captureErrors: false,
        logPageInfo: false, // every entry counted below is one of the loop's
      }))
      await log.ready
      const big = 'b'.repeat(900)
      for (let i = 0; i < 20_000; i++) log.info(`entry ${i}`, { big })
      return log.stats()
    })
    // Measured while the server is still down: nothing has been delivered, so only the bound keeps memory small.
    const heapDuring = await liveHeap()
    // 20,000 entries of ~1 KB were logged: a logger that kept them would hold ~20 MB.
    expect(heapDuring - heapBefore).toBeLessThan(4 * 1024 * 1024)
    const result = await page.evaluate(async () => {
      const log = (window as any).bounded
      for (let i = 0; i < 5; i++) log.info(`later ${i}`)
      return { id: log.appSessionId, flushed: await log.flush({ timeout: 30_000 }), stats: log.stats() }
    })
    expect(result.flushed).toBe(true)
    expect(during.dropped).toBeGreaterThan(19_000)
    expect(during.acknowledged).toBe(0)
    expect(result.stats.acknowledged + result.stats.dropped).toBe(20_005)
    const text = server.state.logs(result.id)!
    const warnings = lines(text).filter((l) => / WARN horn-logger dropped \d+ entries/.test(l))
    const reported = warnings.map((l) => Number(/dropped (\d+) entries/.exec(l)![1])).reduce((a, b) => a + b, 0)
    expect(reported).toBe(result.stats.dropped)
    const delivered = entryNumbers(text)
    expect(delivered.length + result.stats.dropped).toBe(20_000)
    // Each WARN line stands exactly where its entries were: the numbers around it jump by its count.
    let expected = 0
    for (const line of lines(text)) {
      const warn = /dropped (\d+) entries/.exec(line)
      if (warn) expected += Number(warn[1])
      else if (/entry \d+/.test(line)) expect(Number(/entry (\d+)/.exec(line)![1])).toBe(expected++)
    }
    expect(entryNumbers(text, 'later')).toEqual(range(5))
  }, 60_000)
})
