/**
 * The log viewer (`demo/public/viewer.html`) with a 10,000-line log, in real
 * headless Chromium against the reference server: how long from the click to
 * the lines on screen, and from typing a filter to its result (printed, not
 * asserted: a loaded machine is slow), and that it stays live, counts matches,
 * filters by level, downloads the whole log and fits the viewport.
 */
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
// @ts-expect-error: plain JavaScript module with JSDoc types
import { VIEWPORT } from '../../demo/screenshots.mjs'
// @ts-expect-error: plain JavaScript module
import { chromiumOptions } from '../../demo/chromium.mjs'
import { startDemoServer } from '../support/harness'

const WAIT_MS = 15_000
const LINES = 10_000
const LINES_PER_BATCH = 100
const T0 = Date.UTC(2026, 10, 28, 5, 0, 0)
const JSON_TYPE = { 'Content-Type': 'application/json' }

let horn: Awaited<ReturnType<typeof startDemoServer>>
let url: string
let browser: Browser

beforeAll(async () => {
  if (!existsSync('dist/api.mjs')) throw new Error('dist/ is missing: run `npm run build` first')
  horn = await startDemoServer()
  url = horn.url
  browser = await chromium.launch(chromiumOptions())
})

afterAll(async () => {
  await browser?.close()
  await horn?.close()
})

/** Line `i` as the agent's text format writes it: every 10th a WARN, every 100th an ERROR. */
function line(i: number) {
  const level = i % 100 === 99 ? 'ERROR' : i % 10 === 9 ? 'WARN ' : i % 2 ? 'INFO ' : 'DEBUG'
  return `${new Date(T0 + i).toISOString()} ${level} support line ${i} {"room":"blue","i":${i},"detail":"${'x'.repeat(i % 40)}"}\n`
}

async function post(p: string, body: unknown) {
  const r = await fetch(url + p, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify(body) })
  expect(r.status, await r.clone().text()).toBe(200)
  return r.json() as Promise<{ id: string }>
}

async function sendLines(id: string, from: number, to: number) {
  for (let start = from, index = from / LINES_PER_BATCH; start < to; start += LINES_PER_BATCH, index++) {
    let data = ''
    for (let i = start; i < Math.min(to, start + LINES_PER_BATCH); i++) data += line(i)
    await post(`/app_sessions/${id}/logs`, { index, time: T0 + start, data })
  }
}

/**
 * In the page: does `act` ('click' the app session, or 'grep' a filter), then waits frame
 * by frame until the match count reads `count` and a row shows `row`; returns the ms between.
 * (No eval: the viewer runs under a CSP without 'unsafe-eval'.)
 */
function timeInPage(page: Page, act: { click?: string; grep?: string }, count: string, row: string): Promise<number> {
  return page.evaluate(
    ({ act, count, row }) =>
      new Promise<number>((resolve, reject) => {
        const t0 = performance.now()
        if (act.click) (document.querySelector(`#app-sessions li[data-id="${act.click}"]`) as HTMLElement).click()
        if (act.grep !== undefined) {
          const grep = document.getElementById('grep') as HTMLInputElement
          grep.value = act.grep
          grep.dispatchEvent(new Event('input'))
        }
        const deadline = t0 + 15_000
        const frame = () => {
          const shown = document.getElementById('match-count')!.textContent === count &&
            [...document.querySelectorAll('#log-rows > div')].some((d) => d.textContent!.includes(row))
          if (shown) resolve(performance.now() - t0)
          else if (performance.now() > deadline) reject(new Error(`not shown in 15 s: ${count} / ${row}`))
          else requestAnimationFrame(frame)
        }
        requestAnimationFrame(frame)
      }),
    { act, count, row },
  )
}

it(`shows a ${LINES.toLocaleString('en')}-line log at once, filters it, stays live, downloads it, and fits the viewport`, async () => {
  const { id } = await post('/app_sessions/new/conference-ui', { started: T0, url: 'http://127.0.0.1/viewer-timing' })
  await sendLines(id, 0, LINES)

  const context = await browser.newContext({ viewport: VIEWPORT, acceptDownloads: true })
  const page = await context.newPage()
  page.setDefaultTimeout(WAIT_MS)
  const notFound: string[] = []
  const pageErrors: string[] = []
  page.on('response', (r) => {
    if (r.status() === 404) notFound.push(r.url())
  })
  page.on('pageerror', (e) => pageErrors.push(e.message))
  await page.goto(`${url}/viewer.html`)
  await page.waitForSelector('body.loaded')
  await page.selectOption('#viewer-user', { label: 'sam (Sam Support)' })
  await page.fill('#f-url', 'viewer-timing')
  await page.click('#f-search')
  await page.waitForSelector(`#app-sessions li[data-id="${id}"]`)

  // Click → the first lines on screen and the count of all of them.
  const clickMs = await timeInPage(page, { click: id }, '10,000 lines', 'support line 0 ')
  const rendered = await page.locator('#log-rows > div').count()
  expect(rendered).toBeGreaterThan(10)
  expect(rendered).toBeLessThan(200) // a virtual list: the rows in view, not 10,000 nodes
  const box = await page.locator('#log').boundingBox()
  expect(box!.y + box!.height).toBeLessThanOrEqual(VIEWPORT.height)
  expect(box!.height).toBeGreaterThan(200)

  // Scrolling to the end shows the last line.
  await page.evaluate(() => {
    const log = document.getElementById('log')!
    log.scrollTop = log.scrollHeight
  })
  await page.waitForFunction(() => [...document.querySelectorAll('#log-rows > div')].some((d) => d.textContent!.includes('support line 9999 ')))

  // Typing a filter (any case) → the matches and their count, after the debounce.
  // 'LINE 12' in any case: lines 12, 120-129 and 1200-1299.
  const filterMs = await timeInPage(page, { grep: 'LINE 12' }, '111 of 10,000 lines match', 'support line 12 ')
  const matches = await page.locator('#log-rows > div').allTextContents()
  expect(matches.length).toBeLessThanOrEqual(111)
  expect(matches.every((t) => / line 12\d* /.test(t))).toBe(true)
  await page.fill('#grep', '')
  await page.waitForFunction(() => document.getElementById('match-count')!.textContent === '10,000 lines')
  await page.selectOption('#level', 'ERROR')
  await page.waitForFunction(() => document.getElementById('match-count')!.textContent === '100 of 10,000 lines match')
  expect(await page.locator('#log-rows > div.ERROR').count()).toBe(await page.locator('#log-rows > div').count())
  await page.selectOption('#level', 'WARN')
  await page.waitForFunction(() => document.getElementById('match-count')!.textContent === '1,000 of 10,000 lines match')
  await page.selectOption('#level', '')

  // Live: new batches show up while the viewer is open, at the end of the log.
  await page.evaluate(() => {
    const log = document.getElementById('log')!
    log.scrollTop = log.scrollHeight
  })
  await sendLines(id, LINES, LINES + 2 * LINES_PER_BATCH)
  await page.waitForFunction(() => document.getElementById('match-count')!.textContent === '10,200 lines')
  await page.waitForFunction(() => [...document.querySelectorAll('#log-rows > div')].some((d) => d.textContent!.includes('support line 10199 ')))

  // The download is the whole log, as the server holds it.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')])
  expect(download.suggestedFilename()).toBe(`horn-app-session-${id}.log`)
  const saved = await download.path()
  const { readFile } = await import('node:fs/promises')
  const text = await readFile(saved, 'utf8')
  expect(text.split('\n').filter(Boolean)).toHaveLength(LINES + 2 * LINES_PER_BATCH)
  expect(text.endsWith(line(LINES + 2 * LINES_PER_BATCH - 1))).toBe(true)

  expect(notFound).toEqual([]) // no favicon 404 either
  expect(pageErrors).toEqual([])
  console.log(`viewer, ${LINES.toLocaleString('en')} lines: click → shown ${clickMs.toFixed(0)} ms; ` +
    `filter typed → 111 matches shown ${filterMs.toFixed(0)} ms (incl. the 150 ms debounce); ${rendered} row nodes in the DOM`)
  await context.close()
}, 60_000)
