/**
 * The viewer's reading side in real headless Chromium, under the demo pages'
 * strict CSP, against a reference server given source maps: an error line
 * opens to its structured form with its stack mapped back beside the minified
 * frames, and a call with a warning is drawn as a chart (uPlot) with the
 * warning as a band on the canvas.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'
// @ts-expect-error: plain JavaScript module with JSDoc types
import { VIEWPORT } from '../../demo/screenshots.mjs'
// @ts-expect-error: plain JavaScript module
import { chromiumOptions } from '../../demo/chromium.mjs'
import { startDemoServer } from '../support/harness'
import { CALL_AT, ORIGINAL_FILE, THROW_AT, minifiedApp } from '../support/minified'

const WAIT_MS = 15_000
const T0 = Date.UTC(2026, 10, 28, 6, 0, 0)
const MIN_URL = 'https://conf.example.com/assets/app.min.js'
/** The call's high-RTT warning runs from second 10 to second 19 of 30. */
const WARN_FROM_S = 10
const WARN_TO_S = 19
const CALL_S = 30

let horn: Awaited<ReturnType<typeof startDemoServer>>
let url: string
let browser: Browser
let mapsDir: string
let stack: string

beforeAll(async () => {
  if (!existsSync('dist/read.mjs')) throw new Error('dist/ is missing: run `npm run build` first')
  const app = await minifiedApp(MIN_URL)
  stack = app.stack
  mapsDir = mkdtempSync(join(tmpdir(), 'horn-viewer-maps-'))
  writeFileSync(join(mapsDir, 'app.min.js.map'), app.map)
  horn = await startDemoServer({ sourceMapsDir: mapsDir })
  url = horn.url
  browser = await chromium.launch(chromiumOptions())
})

afterAll(async () => {
  await browser?.close()
  await horn?.close()
  if (mapsDir) rmSync(mapsDir, { recursive: true, force: true })
})

const at = (s: number) => new Date(T0 + s * 1000).toISOString()
const line = (s: number, level: string, message: string, context?: object) => `${at(s)} ${level} ${message}${context ? ' ' + JSON.stringify(context) : ''}\n`

/** A 30-second call as the webrtc module logs it: setup, a stats line a second, one warning that starts and ends, close. */
function callLog() {
  let data = line(0, 'INFO', 'webrtc pc1 created', { pc: 'pc1', iceServers: ['stun:stun.example.com'] })
  data += line(1, 'INFO', 'webrtc pc1 connectionState connected', { pc: 'pc1' })
  data += line(1, 'INFO', 'webrtc pc1 candidate pair host/udp -> host/udp', { pc: 'pc1', relay: false })
  for (let s = 2; s <= CALL_S - 1; s++) {
    const bad = s >= WARN_FROM_S && s < WARN_TO_S
    data += line(s, 'INFO', 'webrtc pc1 stats', {
      pc: 'pc1',
      s: 1,
      out: { audio: { kbps: 32, packets: 50 }, video: { kbps: bad ? 350 : 900 + s, packets: 90, fps: 30 } },
      in: { audio: { kbps: 30, packets: 50, lossPct: bad ? 8 : 0.5 }, video: { kbps: bad ? 300 : 850, packets: 85, fps: 29 } },
      rttMs: bad ? 420 : 60,
      mos: bad ? 3.1 : 4.3,
    })
    if (s === WARN_FROM_S) data += line(s, 'WARN', 'webrtc pc1 problem: high-rtt (connection)', { pc: 'pc1', problem: 'high-rtt', where: 'connection', value: 420 })
    if (s === WARN_TO_S) data += line(s, 'INFO', 'webrtc pc1 problem over: high-rtt (connection)', { pc: 'pc1', problem: 'high-rtt', where: 'connection' })
  }
  data += line(CALL_S, 'INFO', 'webrtc pc1 closed', { pc: 'pc1', seconds: CALL_S })
  return data
}

async function post(p: string, body: unknown) {
  const r = await fetch(url + p, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
  expect(r.status, await r.clone().text()).toBe(200)
  return r.json() as Promise<{ id: string }>
}

async function openViewer(id: string): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: VIEWPORT })
  const page = await context.newPage()
  page.setDefaultTimeout(WAIT_MS)
  const problems: string[] = []
  page.on('pageerror', (e) => problems.push(e.message))
  // A CSP violation is reported on the console as an error.
  page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())))
  page.on('response', (r) => void (r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`)))
  await page.goto(`${url}/viewer.html`)
  await page.waitForSelector('body.loaded')
  await page.selectOption('#viewer-user', { label: 'sam (Sam Support)' })
  await page.goto(`${url}/viewer.html?appSession=${encodeURIComponent(id)}`)
  await page.waitForSelector('body.loaded')
  return { page, problems }
}

it('opens an error line to its structured form, its minified stack mapped back to the original source', async () => {
  const { id } = await post('/app_sessions/new/conference-ui', { started: T0, url: 'https://conf.example.com/room/blue?viewer-reading' })
  const error = { error: { name: 'Error', message: 'negative price: b', stack } }
  await post(`/app_sessions/${id}/logs`, { index: 0, time: T0, data: line(0, 'INFO', 'checkout opened') + line(1, 'ERROR', 'Error: negative price: b', error) + line(2, 'INFO', 'after') })
  const { page, problems } = await openViewer(id)
  const row = page.locator('#log-rows > div', { hasText: 'ERROR Error: negative price' })
  await row.click()
  const detail = page.locator('#log-rows > div.open .line-detail')
  await detail.waitFor()
  await expect.poll(() => detail.locator('dd').allTextContents()).toEqual([expect.stringContaining(at(1)), 'ERROR', 'Error: negative price: b'])
  expect(await detail.locator('pre.context').textContent()).toBe(JSON.stringify(error, null, 2))
  // Frames one per row: the original beside the minified one.
  const mapped = detail.locator('ol.frames li.mapped')
  await mapped.first().waitFor()
  expect(await mapped.first().locator('.original').textContent()).toBe(`computeTotal (${ORIGINAL_FILE}:${THROW_AT.line}:${THROW_AT.column})`)
  expect(await mapped.first().locator('.minified').textContent()).toMatch(new RegExp(`^\\S+ \\(${MIN_URL.replace(/\./g, '\\.')}:1:\\d+\\)$`))
  expect(await mapped.nth(1).locator('.original').textContent()).toBe(`handleClick (${ORIGINAL_FILE}:${CALL_AT.line}:${CALL_AT.column})`)
  // The lines after it are pushed down, not covered: the next line is below the opened one.
  const openBox = (await page.locator('#log-rows > div.open').boundingBox())!
  const nextBox = (await page.locator('#log-rows > div', { hasText: 'INFO after' }).boundingBox())!
  expect(nextBox.y).toBeGreaterThanOrEqual(openBox.y + openBox.height - 1)
  // A second click closes it.
  await page.locator('#log-rows > div.open .line-head').click()
  await page.waitForFunction(() => !document.querySelector('#log-rows > div.open'))
  expect(problems).toEqual([])
  await page.context().close()
})

it('draws a call as a chart over time: bitrate, loss, RTT, MOS, its warning as a band, setup lines as markers', async () => {
  const { id } = await post('/app_sessions/new/conference-ui', { started: T0, url: 'https://conf.example.com/room/blue?viewer-call' })
  await post(`/app_sessions/${id}/logs`, { index: 0, time: T0, data: callLog() })
  const { page, problems } = await openViewer(id)
  await page.waitForSelector('#calls:not([hidden]) #call-chart .uplot canvas')
  const chart = page.locator('#call-chart')
  expect(await chart.getAttribute('data-call')).toBe('pc1')
  expect(await chart.getAttribute('data-bands')).toBe('1')
  expect(Number(await chart.getAttribute('data-markers'))).toBeGreaterThanOrEqual(4) // created, connected, candidate pair, closed
  const legend = await chart.locator('.u-legend').textContent()
  for (const series of ['bitrate in', 'bitrate out', 'loss', 'RTT', 'MOS']) expect(legend).toContain(series)
  expect(await page.locator('#call-warnings li').allTextContents()).toEqual([expect.stringMatching(/^high-rtt \(connection\): .* \(9 s\)$/)])

  // The band is painted on the canvas: inside it the plot is tinted amber, before it not.
  const tint = await page.evaluate(({ fromS, toS, callS }) => {
    const canvas = document.querySelector('#call-chart canvas') as HTMLCanvasElement
    const over = document.querySelector('#call-chart .u-over') as HTMLElement
    const ctx = canvas.getContext('2d')!
    const scale = canvas.width / canvas.getBoundingClientRect().width
    const left = over.offsetLeft * scale
    const width = over.clientWidth * scale
    const top = over.offsetTop * scale
    const height = over.clientHeight * scale
    // Count amber pixels (blue channel well below red) in a column: most rows of a band are, lines cross only a few.
    const amber = (s: number) => {
      const x = Math.round(left + (s / callS) * width)
      let n = 0
      for (let i = 1; i < 20; i++) {
        const [r, , b] = ctx.getImageData(x, Math.round(top + (i / 20) * height), 1, 1).data
        if (r > 200 && r - b > 20) n++
      }
      return n
    }
    return { inside: amber((fromS + toS) / 2), before: amber(fromS / 2 + 0.25) }
  }, { fromS: WARN_FROM_S, toS: WARN_TO_S, callS: CALL_S })
  expect(tint.inside).toBeGreaterThanOrEqual(15)
  // Only uPlot's two files are served from node_modules.
  for (const p of ['/vendor/uplot/package.json', '/vendor/uplot/uPlot.cjs.js', '/vendor/playwright-core/package.json']) expect((await fetch(url + p)).status, p).toBe(404)
  expect((await fetch(url + '/vendor/uplot/uPlot.min.css')).headers.get('content-type')).toMatch(/^text\/css/)
  expect(tint.before).toBeLessThanOrEqual(3)
  expect(problems).toEqual([])
  await page.context().close()
})
