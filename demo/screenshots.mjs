// @ts-check
/**
 * Takes the README's screenshots of the demo pages in headless Chromium:
 * `docs/demo.png` (the conference page after a short session),
 * `docs/viewer.png` (that app session in the log viewer, its error opened) and
 * `docs/call-chart.png` (a call with two warnings, drawn by the viewer).
 *
 *   npm run build && node demo/screenshots.mjs [OUT_DIR]     # default docs/
 *
 * Uses the system Chromium (`CHROMIUM_PATH`, default /usr/bin/chromium) and
 * a reference server of its own on a free port.
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { createHornServer } from './server.mjs'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.mjs'

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
export const VIEWPORT = { width: 1200, height: 800 }
/** Every wait is bounded: a broken page fails the script instead of hanging it. */
const WAIT_MS = 15_000

/**
 * Runs `body` against a fresh reference server and a browser context of the
 * screenshots' viewport, then closes what it opened (the browser only when it made it).
 * @template T
 * @param {{ outDir: string, browser?: import('playwright-core').Browser }} options
 * @param {(stage: { url: string, context: import('playwright-core').BrowserContext }) => Promise<T>} body
 * @returns {Promise<T>}
 */
async function onStage({ outDir, browser }, body) {
  await mkdir(outDir, { recursive: true })
  const horn = createHornServer({ log: () => {} })
  const { url } = await horn.listen(0, '127.0.0.1')
  const b = browser ?? (await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? CHROMIUM_PATH, args: CHROMIUM_ARGS }))
  const context = await b.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 })
  try {
    return await body({ url, context })
  } finally {
    await context.close()
    if (!browser) await b.close()
    await horn.close()
  }
}

/**
 * Drives a short conference session on `/` and opens it in `/viewer.html`,
 * screenshotting both.
 * @param {{ outDir: string, browser?: import('playwright-core').Browser }} options
 * @returns {Promise<{ demo: string, viewer: string, appSessionId: string }>}
 */
export async function takeScreenshots({ outDir, browser }) {
  return onStage({ outDir, browser }, async ({ url, context }) => {
    const page = await context.newPage()
    page.setDefaultTimeout(WAIT_MS)
    await page.goto(`${url}/`)
    await page.waitForSelector('body.loaded')
    await page.selectOption('#channel', { label: 'Blue Room' })
    await page.click('#join-button')
    await page.selectOption('#user', { label: 'alice (Alice Archer)' })
    await page.click('#signin-button')
    await page.waitForFunction(() => document.getElementById('signin-status')?.textContent?.startsWith('Signed in'))
    for (const text of ['Morning all! Can everyone hear me?', 'Sharing the sprint board in a second.']) {
      await page.fill('#chat-input', text)
      await page.click('#send')
    }
    await page.click('#share')
    await page.click('#mute')
    await page.click('#throw')
    await page.click('#reject')
    const appSessionId = await page.evaluate(async () => {
      const logger = /** @type {any} */ (window).hornLogger
      await logger.flush({ timeout: 10_000 })
      return logger.appSessionId
    })
    // Let the 250 ms stats panel catch up with the flush.
    await page.waitForFunction(() => document.querySelector('[data-stat="pending"]')?.textContent === '0')
    const demo = path.join(outDir, 'demo.png')
    await page.screenshot({ path: demo })

    const viewerPage = await context.newPage()
    viewerPage.setDefaultTimeout(WAIT_MS)
    await viewerPage.goto(`${url}/viewer.html?appSession=${encodeURIComponent(appSessionId)}`)
    await viewerPage.waitForFunction(() => document.getElementById('log')?.textContent?.includes('Demo: a promise was rejected'))
    await viewerPage.waitForFunction(() => document.getElementById('d-users')?.textContent?.includes('alice'))
    // The thrown error, opened: its context and its stack one frame per row.
    await viewerPage.locator('#log-rows > div', { hasText: 'something broke' }).click()
    await viewerPage.waitForSelector('#log-rows > div.open ol.frames li')
    const viewer = path.join(outDir, 'viewer.png')
    await viewerPage.screenshot({ path: viewer })
    return { demo, viewer, appSessionId }
  })
}

const CALL_T0 = Date.UTC(2026, 10, 28, 9, 30, 0)
const CALL_SECONDS = 90

/**
 * A 90-second call as the webrtc module logs it: setup, a stats line every
 * 2 s, the network degrading twice (loss, then round-trip time), each a
 * warning that starts and ends, and the close.
 */
export function callLog() {
  const at = (/** @type {number} */ s) => new Date(CALL_T0 + s * 1000).toISOString()
  const line = (/** @type {number} */ s, /** @type {string} */ level, /** @type {string} */ message, /** @type {object} */ context) =>
    `${at(s)} ${level} webrtc pc1 ${message} ${JSON.stringify({ pc: 'pc1', ...context })}\n`
  let data = line(0, 'INFO ', 'created', { iceServers: ['stun:stun.example.com:3478', 'turn:turn.example.com:3478?transport=udp'] })
  data += line(1, 'INFO ', 'connectionState connected', {})
  data += line(1, 'INFO ', 'candidate pair srflx/udp -> host/udp', { relay: false })
  const wave = (/** @type {number} */ s, /** @type {number} */ amp) => Math.round(amp * Math.sin(s / 5))
  for (let s = 2; s < CALL_SECONDS; s += 2) {
    const lossy = s >= 24 && s < 40
    const slow = s >= 52 && s < 66
    const loss = lossy ? 7 + wave(s, 3) : 0.4
    data += line(s, 'INFO ', 'stats', {
      s: 2,
      out: { audio: { kbps: 33, packets: 100 }, video: { kbps: (lossy ? 520 : 1450) + wave(s, 60), packets: 260, fps: 30, res: '1280x720' } },
      in: { audio: { kbps: 31, packets: 100, lossPct: loss }, video: { kbps: (lossy ? 610 : 1310) + wave(s + 3, 80), packets: 240, fps: lossy ? 17 : 29, res: lossy ? '640x360' : '1280x720', lossPct: loss } },
      rttMs: slow ? 330 + wave(s, 40) : 48 + wave(s, 6),
      mos: lossy ? 3.2 + wave(s, 0.2) / 10 : slow ? 3.7 : 4.3,
    })
    if (s === 24) data += line(s, 'WARN ', 'problem: high-loss (in video)', { problem: 'high-loss', where: 'in video', value: loss })
    if (s === 40) data += line(s, 'INFO ', 'problem over: high-loss (in video)', { problem: 'high-loss', where: 'in video' })
    if (s === 52) data += line(s, 'WARN ', 'problem: high-rtt (connection)', { problem: 'high-rtt', where: 'connection', value: 330 })
    if (s === 66) data += line(s, 'INFO ', 'problem over: high-rtt (connection)', { problem: 'high-rtt', where: 'connection' })
  }
  data += line(CALL_SECONDS, 'INFO ', 'closed', { seconds: CALL_SECONDS })
  return data
}

/**
 * The viewer's chart of {@link callLog}: `call-chart.png` in `outDir`.
 * @param {{ outDir: string, browser?: import('playwright-core').Browser }} options
 */
export async function takeCallChart({ outDir, browser }) {
  return onStage({ outDir, browser }, async ({ url, context }) => {
    const post = async (/** @type {string} */ p, /** @type {unknown} */ body) => {
      const r = await fetch(url + p, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      if (!r.ok) throw new Error(`POST ${p}: ${r.status} ${await r.text()}`)
      return r.json()
    }
    const { id } = await post('/app_sessions/new/conference-ui', { started: CALL_T0, url: 'https://conf.example.com/room/blue' })
    await post(`/app_sessions/${id}/logs`, { index: 0, time: CALL_T0, data: callLog() })
    const page = await context.newPage()
    page.setDefaultTimeout(WAIT_MS)
    // Sign in as support staff (the viewer keeps the choice), then open the app session.
    await page.goto(`${url}/viewer.html`)
    await page.waitForSelector('body.loaded')
    await page.selectOption('#viewer-user', { label: 'sam (Sam Support)' })
    await page.goto(`${url}/viewer.html?appSession=${encodeURIComponent(id)}`)
    await page.waitForSelector('#calls:not([hidden]) #call-chart .uplot canvas')
    const file = path.join(outDir, 'call-chart.png')
    await page.locator('#calls').screenshot({ path: file })
    return file
  })
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = path.resolve(process.argv[2] ?? path.join(ROOT, 'docs'))
  Promise.all([takeScreenshots({ outDir }), takeCallChart({ outDir })]).then(
    ([{ demo, viewer }, chart]) => console.log(`wrote ${[demo, viewer, chart].map((f) => path.relative(process.cwd(), f)).join(', ')}`),
    (err) => {
      console.error(err)
      process.exit(1)
    },
  )
}
