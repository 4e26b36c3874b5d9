// One fresh browser profile per contender and phase, and the contenders' pages.
import { chromium } from 'playwright-core'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromiumOptions } from '../../demo/chromium.mjs'

/** Contenders, in the order they run within a round (the order rotates every round). */
export const CONTENDERS = /** @type {const} */ (['horn', 'horn010', 'datadog', 'noop', 'console'])
export const CONTENDER_LABELS = {
  horn: 'horn-logger',
  horn010: 'horn-logger 0.1.0',
  datadog: 'Datadog browser-logs',
  noop: 'no-op function',
  console: 'console.log (closed)',
}
/** The page each contender is measured in (bench/pages.mjs). */
export const PAGE_OF = {
  horn: '/horn.html',
  horn010: '/horn-0.1.0.html',
  datadog: '/datadog.html',
  noop: '/noop.html',
  console: '/console.html',
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * A fresh browser profile (on disk, so IndexedDB is real storage, not the
 * in-memory store of an incognito context) for one contender in one phase.
 * @template T
 * @param {(page: import('playwright-core').Page, ctx: import('playwright-core').BrowserContext) => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withFreshPage(fn, cpuRate = 1) {
  const dir = mkdtempSync(join(tmpdir(), 'horn-bench-'))
  const context = await chromium.launchPersistentContext(dir, chromiumOptions({ headless: true }))
  try {
    const page = context.pages()[0] ?? (await context.newPage())
    if (cpuRate > 1) {
      // Set before the first navigation: the page loads, compiles and runs the agent throttled.
      const cdp = await context.newCDPSession(page)
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpuRate })
    }
    return await fn(page, context)
  } finally {
    await context.close().catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * @param {import('playwright-core').Page} page
 * @param {string} url
 */
export async function openContender(page, url) {
  // No page.on('console'): the console stays closed.
  await page.goto(url, { waitUntil: 'load' })
  await page.evaluate(() =>
    Promise.race([
      /** @type {any} */ (window).bench.ready,
      new Promise((_, reject) => setTimeout(() => reject(new Error('contender not ready in 10 s')), 10_000)),
    ]),
  )
  // Let start-up work (registration, session cookie) settle before measuring.
  await page.waitForTimeout(300)
}
