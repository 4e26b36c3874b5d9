/**
 * The demo pages (`demo/public/`) in real headless Chromium against the
 * reference server: the conference page drives the built agent, and the
 * viewer shows what arrived, as text, live, under the demo's strict CSP.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
// @ts-expect-error: plain JavaScript module with JSDoc types
import { createHornServer, DEMO_CSP } from '../../demo/server.mjs'
// @ts-expect-error: plain JavaScript module with JSDoc types
import { takeScreenshots, VIEWPORT } from '../../demo/screenshots.mjs'
// @ts-expect-error: plain JavaScript module
import { chromiumOptions } from '../../demo/chromium.mjs'

/** Bound of every wait on the page: a condition, never a sleep. */
const WAIT_MS = 15_000
const XSS = '<img src=x onerror="window.__xss=1">'

interface Horn {
  listen(port: number, host: string): Promise<{ url: string }>
  close(): Promise<void>
  state: {
    appSessions(): Array<{ id: string; url: string; users: Array<{ handle: string }> }>
    logs(id: string): string | undefined
    settings: { logsDown: boolean }
  }
  controls: { logsUp(): void }
}

let horn: Horn
let url: string
let browser: Browser

beforeAll(async () => {
  if (!existsSync('dist/horn-logger.min.js') || !existsSync('dist/api.mjs')) throw new Error('dist/ is missing: run `npm run build` first')
  horn = createHornServer({ log: () => {}, faultControls: true }) // the demo's "take logs down" button, as `npm run demo`
  ;({ url } = await horn.listen(0, '127.0.0.1'))
  browser = await chromium.launch(chromiumOptions())
})

afterAll(async () => {
  await browser?.close()
  await horn?.close()
})

/** A fresh context and page; collects CSP violations and errors the page did not expect. */
async function open(path: string): Promise<{ context: BrowserContext; page: Page; csp: string[]; pageErrors: string[] }> {
  const context = await browser.newContext({ viewport: VIEWPORT })
  const page = await context.newPage()
  page.setDefaultTimeout(WAIT_MS)
  const csp: string[] = []
  const pageErrors: string[] = []
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) csp.push(m.text())
  })
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await page.goto(url + path)
  await page.waitForSelector('body.loaded')
  return { context, page, csp, pageErrors }
}

const stats = (page: Page) =>
  page.evaluate(() => (window as unknown as { hornLogger: { stats(): Record<string, number> } }).hornLogger.stats())
const flush = (page: Page, timeout = 10_000) =>
  page.evaluate((t) => (window as unknown as { hornLogger: { flush(o: object): Promise<boolean> } }).hornLogger.flush({ timeout: t }), timeout)

describe('demo pages', () => {
  it('serves both pages with the strict CSP, and neither breaks it', async () => {
    for (const path of ['/', '/viewer.html']) {
      const response = await fetch(url + path)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-security-policy')).toBe(DEMO_CSP)
      const html = await response.text()
      // No inline script or handler: every <script> has a src, no on*= attribute.
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i)
      expect(html).not.toMatch(/\son[a-z]+\s*=/i)
    }
  })

  it('conference page → viewer: chat, errors, linked user, live updates, and log text never becomes HTML', async () => {
    const run = `run-${Date.now().toString(36)}`
    const demo = await open(`/?${run}`)
    const { page } = demo

    await page.selectOption('#channel', { label: 'Town Hall' })
    await page.click('#join-button')
    await expect.poll(() => page.textContent('#room-status')).toBe('In Town Hall')
    await page.fill('#chat-input', 'hello from the test')
    await page.click('#send')
    await page.fill('#chat-input', XSS)
    await page.click('#send')
    // The demo's own chat shows it as text too.
    expect(await page.locator('#chat li').last().textContent()).toContain(XSS)
    expect(await page.locator('#chat img').count()).toBe(0)

    await page.selectOption('#user', { label: 'alice (Alice Archer)' })
    await page.click('#signin-button')
    await page.waitForFunction(() => document.getElementById('signin-status')?.textContent === 'Signed in as alice')
    await page.click('#mute')
    await page.click('#share')
    await page.click('#throw')
    await page.click('#reject')
    // Nine entries from the steps above, and the page-info first line.
    await page.waitForFunction(() => (window as unknown as { hornLogger: { stats(): { logged: number } } }).hornLogger.stats().logged >= 10)
    expect(await flush(page)).toBe(true)
    // The panel follows stats() (every 250 ms) and links to the viewer for this app session.
    const id = await page.evaluate(() => (window as unknown as { hornLogger: { appSessionId: string } }).hornLogger.appSessionId)
    await page.waitForFunction(() => document.querySelector('[data-stat="pending"]')?.textContent === '0')
    expect(await page.textContent('#app-session')).toBe(id)
    expect(await page.getAttribute('#viewer-link', 'href')).toBe(`/viewer.html?appSession=${id}`)
    expect(Number(await page.textContent('[data-stat="acknowledged"]'))).toBe((await stats(page)).acknowledged)
    // Both errors were the page's own, on purpose; nothing else went wrong.
    expect(demo.pageErrors).toEqual(['Demo: something broke in the conference UI', 'Demo: a promise was rejected and nobody caught it'])

    const server = horn.state.appSessions().find((s) => s.id === id)
    expect(server?.url).toContain(run)
    expect(server?.users.map((u) => u.handle)).toEqual(['alice'])

    // The viewer: it lists nothing until someone signs in; then find it by URL, and read it.
    const v = await open('/viewer.html')
    const viewer = v.page
    expect(await viewer.locator('#app-sessions li[data-id]').count()).toBe(0)
    expect(await viewer.textContent('#count')).toContain('Sign in')
    await viewer.selectOption('#viewer-user', { label: 'alice (Alice Archer)' })
    await viewer.fill('#f-url', run)
    await viewer.click('#f-search')
    await expect.poll(() => viewer.locator('#app-sessions li[data-id]').count()).toBe(1)
    await viewer.click(`#app-sessions li[data-id="${id}"]`)
    const log = viewer.locator('#log')
    await viewer.waitForFunction(() => document.getElementById('log')?.textContent?.includes('Demo: a promise was rejected'))
    const text = (await log.textContent()) ?? ''
    expect(text).toContain('INFO joined channel')
    expect(text).toContain('hello from the test')
    expect(text).toContain('ERROR Error: Demo: something broke in the conference UI')
    expect(text).toContain('microphone muted') // a captured console.info
    expect(await viewer.textContent('#d-users')).toContain('alice')
    expect(await viewer.textContent('#d-url')).toContain(run)
    expect(await viewer.locator('#log-rows > div.ERROR').count()).toBe(2)
    // The channel joined on the page (Town Hall) is the app session's too, beside the script tag's (Blue Room).
    expect(await viewer.textContent('#d-channels')).toBe('Blue Room, Town Hall')

    // XSS: the entry is there as text (JSON-escaped inside the context), and nothing ran.
    expect(text).toContain('<img src=x onerror=\\"window.__xss=1\\">')
    expect(await log.locator('img').count()).toBe(0)
    expect(await viewer.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined()

    // Live: a new entry on the demo page shows up without touching the viewer (it polls every 1 s).
    await page.evaluate(() => (window as unknown as { hornLogger: { info(m: string): void } }).hornLogger.info('late entry for the live view'))
    expect(await flush(page)).toBe(true)
    await viewer.waitForFunction(() => document.getElementById('log')?.textContent?.includes('late entry for the live view'))
    // Filtering lines (any case) hides the others and counts the matches; clearing it brings them back.
    const all = await viewer.locator('#log-rows > div').count()
    await viewer.fill('#grep', 'CHAT Message')
    await expect.poll(() => viewer.locator('#log-rows > div').count()).toBe(2)
    expect(await viewer.textContent('#match-count')).toBe(`2 of ${all} lines match`)
    await viewer.fill('#grep', '')
    await expect.poll(() => viewer.locator('#log-rows > div').count()).toBe(all)
    await viewer.selectOption('#level', 'ERROR')
    await expect.poll(() => viewer.locator('#log-rows > div').count()).toBe(2)
    await viewer.selectOption('#level', '')

    // Filters: user and channel narrow the list, a later startedAfter empties it.
    await viewer.selectOption('#f-user', { label: 'bob' })
    await expect.poll(() => viewer.locator('#app-sessions li[data-id]').count()).toBe(0)
    await viewer.selectOption('#f-user', { label: 'alice' })
    await viewer.selectOption('#f-channel', { label: 'Blue Room' })
    await expect.poll(() => viewer.locator('#app-sessions li[data-id]').count()).toBe(1) // registered with data-channel = Blue Room
    await viewer.selectOption('#f-channel', { label: 'Town Hall' })
    await expect.poll(() => viewer.locator('#app-sessions li[data-id]').count()).toBe(1) // joined on the page
    await viewer.fill('#f-after', '2999-01-01T00:00:00')
    await viewer.click('#f-search')
    await expect.poll(() => viewer.locator('#app-sessions li[data-id]').count()).toBe(0)

    expect(demo.csp).toEqual([])
    expect(v.csp).toEqual([])
    expect(v.pageErrors).toEqual([])
    await demo.context.close()
    await v.context.close()
  })

  it('viewer: channel sessions with participants and recordings for a signed-in host', async () => {
    const v = await open('/viewer.html')
    const { page } = v
    await page.click('#tab-channel')
    expect(await page.isVisible('#cs-hint')).toBe(true)
    await page.selectOption('#viewer-user', { label: 'alice (Alice Archer)' })
    await expect.poll(() => page.locator('#channel-sessions li[data-id]').count()).toBeGreaterThan(0)
    await page.click('#channel-sessions li[data-id="sess_blue_03a"]')
    await page.waitForFunction(() => document.getElementById('cs-name')?.textContent === 'Breakout: frontend')
    expect(await page.textContent('#cs-parent')).toBe('sess_blue_03')
    expect(await page.locator('#cs-participants li').count()).toBeGreaterThan(0)
    await page.click('#channel-sessions li[data-id="sess_blue_01"]')
    await page.waitForFunction(() => document.getElementById('cs-name')?.textContent === 'Monday stand-up')
    expect(await page.locator('#cs-recordings tr').count()).toBeGreaterThan(0)
    // Carol hosts nothing: the server shows her no session.
    await page.selectOption('#viewer-user', { label: 'carol (Carol Chen)' })
    await expect.poll(() => page.textContent('#channel-sessions')).toContain('hosts no channel')
    expect(v.csp).toEqual([])
    expect(v.pageErrors).toEqual([])
    await v.context.close()
  })

  it('burst of 10,000 entries and a logs outage: everything arrives once the endpoint is back', async () => {
    const demo = await open('/')
    const { page } = demo
    await page.waitForFunction(() => !!(window as unknown as { hornLogger: { appSessionId?: string } }).hornLogger.appSessionId)
    await page.click('#logs-down')
    await expect.poll(() => horn.state.settings.logsDown).toBe(true)
    await expect.poll(() => page.textContent('#server-status')).toMatch(/Logs endpoint down: back in \d+ s/)
    await page.click('#burst')
    expect(await page.textContent('#action-status')).toMatch(/^Logged 10,000 entries in [\d.]+ ms/)
    // The agent retries while the endpoint answers 503 …
    await expect.poll(() => stats(page).then((s) => s.retries), { timeout: WAIT_MS }).toBeGreaterThan(0)
    // … and delivers everything once it is back (brought back early, so the test need not wait 10 s).
    horn.controls.logsUp()
    expect(await flush(page, 30_000)).toBe(true)
    const s = await stats(page)
    expect(s.dropped).toBe(0)
    expect(s.pending).toBe(0)
    const id = await page.evaluate(() => (window as unknown as { hornLogger: { appSessionId: string } }).hornLogger.appSessionId)
    const lines = (horn.state.logs(id) ?? '').split('\n').filter((l) => l.includes(' DEBUG burst entry '))
    expect(lines).toHaveLength(10_000)
    expect(lines[9_999]).toContain('"i":9999')
    expect(demo.csp).toEqual([])
    expect(demo.pageErrors).toEqual([])
    await demo.context.close()
  })

  it('demo/screenshots.mjs writes both screenshots', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'horn-shots-'))
    try {
      const { demo, viewer } = await takeScreenshots({ outDir, browser })
      for (const file of [demo, viewer]) expect(statSync(file).size).toBeGreaterThan(10_000)
    } finally {
      rmSync(outDir, { recursive: true, force: true })
    }
  })
})
