// @ts-check
/**
 * Takes the README's screenshots of the demo pages in headless Chromium:
 * `docs/demo.png` (the conference page after a short session) and
 * `docs/viewer.png` (that app session in the log viewer).
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
 * Drives a short conference session on `/` and opens it in `/viewer.html`,
 * screenshotting both.
 * @param {{ outDir: string, browser?: import('playwright-core').Browser }} options
 * @returns {Promise<{ demo: string, viewer: string, appSessionId: string }>}
 */
export async function takeScreenshots({ outDir, browser }) {
  await mkdir(outDir, { recursive: true })
  const horn = createHornServer({ log: () => {} })
  const { url } = await horn.listen(0, '127.0.0.1')
  const ownBrowser = !browser
  const b = browser ?? await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? CHROMIUM_PATH, args: CHROMIUM_ARGS })
  const context = await b.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 })
  try {
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
    const viewer = path.join(outDir, 'viewer.png')
    await viewerPage.screenshot({ path: viewer })
    return { demo, viewer, appSessionId }
  } finally {
    await context.close()
    if (ownBrowser) await b.close()
    await horn.close()
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = path.resolve(process.argv[2] ?? path.join(ROOT, 'docs'))
  takeScreenshots({ outDir }).then(
    ({ demo, viewer }) => console.log(`wrote ${path.relative(process.cwd(), demo)} and ${path.relative(process.cwd(), viewer)}`),
    (err) => {
      console.error(err)
      process.exit(1)
    },
  )
}
