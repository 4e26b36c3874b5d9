/**
 * SPEC section 4, promise 1 ("never in the way") for back and forward, in
 * real Chromium with its back/forward cache on (Playwright turns it off by
 * default): a page with the agent goes into the cache and comes back whole,
 * and what a page evicted from the cache had stored is still delivered once.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
// @ts-expect-error: plain JavaScript module
import { chromiumOptions } from '../../demo/chromium.mjs'
import { agentPage, entryNumbers, indexesOf, range, startServer, waitFor, type HornServer } from '../support/harness'

let server: HornServer | undefined
let browser: Browser | undefined

afterEach(async () => {
  await browser?.close().catch(() => {})
  await server?.close()
  browser = server = undefined
})

/** A tab with the cache on, and the reasons Chromium gives each time it does not restore a page from it. */
async function tab() {
  browser = await chromium.launch(chromiumOptions({ ignoreDefaultArgs: ['--disable-back-forward-cache'] }))
  const context = await browser.newContext()
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await cdp.send('Page.enable')
  const notUsed: string[] = []
  cdp.on('Page.backForwardCacheNotUsed', (event) => notUsed.push(...event.notRestoredExplanations.map((e) => e.reason)))
  return { page, notUsed }
}

/** The page's own state, and every pageshow's `persisted`: a page restored from the cache keeps the first and adds `true`. */
const WATCH = `<script>window.state = Math.random(); addEventListener('pageshow', (e) => { window.shows = (window.shows || []).concat(e.persisted) })
addEventListener('pagehide', (e) => localStorage.setItem('test:pagehide', String(e.persisted)))</script>`

const agentOn = (page: Page) => page.waitForFunction(() => !!(window as any).hornLogger?.stats, undefined, { timeout: 15_000 })

async function back(page: Page, path: string) {
  // A page restored from the cache fires no `load`.
  await page.goBack({ waitUntil: 'commit' })
  await waitFor('the page again', () => page.evaluate(() => location.pathname).then((p) => p === path).catch(() => false), 15_000)
  await agentOn(page)
}

describe('the back/forward cache (Chromium)', () => {
  it('lobby → room → Back after a 5,000-entry burst just before the click: the lobby is restored (no reason not to), continues its app session, every entry of both pages once', async () => {
    server = await startServer()
    const { page, notUsed } = await tab()
    const attrs = { 'client-id': 'bf-burst', 'api-url': server.url, 'log-page-info': 'false' }
    server.page('room.html', agentPage(attrs, WATCH + `<script>for (let i = 0; i < 20; i++) hornLogger.info('room ' + i)</script>`))
    await page.goto(server.page('lobby.html', agentPage(attrs, WATCH + '<a id="go" href="room.html">room</a>')))
    await agentOn(page)
    const before = await page.evaluate(async () => {
      const log = (window as any).hornLogger
      return { id: (await log.ready) as string, state: (window as any).state as number }
    })
    await page.evaluate(() => {
      const log = (window as any).hornLogger
      for (let i = 0; i < 5000; i++) log.info(`entry ${i}`, { i })
    })
    await page.click('#go')
    await page.waitForURL(/room\.html$/)
    await agentOn(page)
    const room = await page.evaluate(async () => {
      const log = (window as any).hornLogger
      return { flushed: await log.flush({ timeout: 20_000 }), id: log.appSessionId as string }
    })
    expect(room.flushed).toBe(true)
    await back(page, '/lobby.html')
    const after = await page.evaluate(async () => {
      const log = (window as any).hornLogger
      for (let i = 5000; i < 5020; i++) log.info(`entry ${i}`, { i })
      const w = window as any
      return { state: w.state as number, shows: w.shows as boolean[], id: log.appSessionId as string, flushed: await log.flush({ timeout: 30_000 }) }
    })
    expect(notUsed).toEqual([])
    expect(after).toMatchObject({ state: before.state, shows: [false, true], id: before.id, flushed: true })
    expect(entryNumbers(server.state.logs(before.id))).toEqual(range(5020))
    expect(indexesOf(server, before.id)).toEqual(range(indexesOf(server, before.id).length))
    expect(entryNumbers(server.state.logs(room.id), 'room')).toEqual(range(20))
    expect(server.state.appSessions().filter((s) => s.clientId === 'bf-burst')).toHaveLength(2)
  }, 90_000)

  it('a lobby evicted from the cache with 300 entries stored and undelivered: once its park mark is older than any cache keeps a page, the next load delivers them once to its app session', async () => {
    server = await startServer()
    const { page, notUsed } = await tab()
    const attrs = { 'client-id': 'bf-evict', 'api-url': server.url, 'log-page-info': 'false' }
    // The room is another application's page: it uses the same database, without the agent.
    server.page('room.html', WATCH)
    await page.goto(server.page('lobby.html', agentPage(attrs, WATCH + '<a id="go" href="room.html">room</a>')))
    await agentOn(page)
    const id = await page.evaluate(() => (window as any).hornLogger.ready as Promise<string>)
    // The server answers logs with 503 for now: the entries stay stored (a keepalive copy at pagehide is refused too).
    server.controls.logsDown(60)
    await page.evaluate(async () => {
      const log = (window as any).hornLogger
      for (let i = 0; i < 300; i++) log.info(`entry ${i}`, { i })
      for (let n = 0; n < 200 && log.stats().persisted < 300; n++) await new Promise((r) => setTimeout(r, 50))
    })
    expect(await page.evaluate(() => (window as any).hornLogger.stats())).toMatchObject({ persisted: 300, acknowledged: 0 })
    await page.click('#go')
    await page.waitForURL(/room\.html$/)
    const marks = await page.evaluate(async () => {
      const parked = Object.keys(localStorage).filter((key) => key.startsWith('horn-logger:'))
      // Time passes: 31 minutes, past the longest any engine keeps a page in its cache.
      for (const key of parked) localStorage.setItem(key, String(Date.now() - 31 * 60_000))
      // And the engine evicts the lobby: a version change its frozen connection cannot answer.
      await new Promise<void>((resolve, reject) => {
        const probe = indexedDB.open('horn-logger')
        probe.onsuccess = () => {
          const version = probe.result.version
          probe.result.close()
          const upgrade = indexedDB.open('horn-logger', version + 1)
          upgrade.onsuccess = () => {
            upgrade.result.close()
            resolve()
          }
          upgrade.onerror = () => reject(upgrade.error)
        }
        probe.onerror = () => reject(probe.error)
      })
      return { parked, pagehide: localStorage.getItem('test:pagehide') }
    })
    // The lobby went into the cache (persisted), leaving one park mark.
    expect(marks).toEqual({ parked: [expect.stringMatching(/^horn-logger:/)], pagehide: 'true' })
    server.controls.logsUp()
    await back(page, '/lobby.html')
    const next = await page.evaluate(async () => ({ shows: (window as any).shows as boolean[], id: (await (window as any).hornLogger.ready) as string }))
    // Evicted: a fresh load, with an app session of its own.
    expect(notUsed.length).toBeGreaterThan(0)
    expect(next.shows).toEqual([false])
    expect(next.id).not.toBe(id)
    await waitFor('the evicted lobby’s entries', () => entryNumbers(server!.state.logs(id)).length >= 300, 30_000)
    await page.evaluate(() => (window as any).hornLogger.flush({ timeout: 10_000 }))
    expect(entryNumbers(server.state.logs(id))).toEqual(range(300))
    expect(indexesOf(server, id)).toEqual(range(indexesOf(server, id).length))
    expect(entryNumbers(server.state.logs(next.id))).toEqual([])
    // Adopted: the mark went with the leftovers.
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('horn-logger:')))).toEqual([])
  }, 90_000)
})
