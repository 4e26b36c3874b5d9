/**
 * Chromium (Debian's `/usr/bin/chromium`) driven by playwright-core over CDP.
 * The browser is spawned here, in a process group of its own, and Playwright
 * connects to it: so a test can SIGKILL the real browser and start it again
 * on the same profile, as a crash would leave it.
 */
import { execFileSync } from 'node:child_process'
import { chromium as playwright, type Browser, type Page } from 'playwright-core'
// @ts-expect-error: plain JavaScript module
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../demo/chromium.mjs'
import { bounded, exited, killGroup, readUntil, spawnGroup, tempDir, type Engine, type EngineBrowser, type EnginePage } from './driver'

async function open(profile: string): Promise<{ browser: Browser; kill(): Promise<void> }> {
  const child = spawnGroup(CHROMIUM_PATH, [...CHROMIUM_ARGS, '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const [, endpoint] = await readUntil(child, 'stderr', /DevTools listening on (ws:\/\/\S+)/)
  // Keep draining: a full pipe would block the browser on its next log line.
  child.stderr?.resume()
  const browser = await bounded('connecting to Chromium', playwright.connectOverCDP(endpoint))
  return {
    browser,
    async kill() {
      killGroup(child.pid)
      await exited(child)
    },
  }
}

function wrap(page: Page): EnginePage {
  return {
    async goto(url) {
      await page.goto(url)
    },
    async back() {
      // Waits for the commit at most: a page restored from the back/forward cache may fire no navigation
      // event Playwright sees over connectOverCDP (the default wait for `load` once timed out after 30 s with
      // the page already back). Callers wait for the page itself (its URL, then the agent), with a bound.
      await page.goBack({ waitUntil: 'commit', timeout: 10_000 }).catch((error: Error) => {
        if (error.name !== 'TimeoutError') throw error
      })
    },
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    setOffline: (offline) => page.context().setOffline(offline),
    close: () => page.close(),
  }
}

export const chromium: Engine = {
  name: 'chromium',
  version: execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),

  async launch(): Promise<EngineBrowser> {
    const profile = tempDir('horn-chromium-')
    const { browser, kill } = await open(profile.path)
    const context = browser.contexts()[0]
    return {
      newPage: async () => wrap(await context.newPage()),
      async close() {
        await bounded('closing Chromium', browser.close(), 10_000).catch(() => {})
        await kill()
        profile.remove()
      },
    }
  },

  async start(profile, urls) {
    const { browser, kill } = await open(profile)
    const context = browser.contexts()[0]
    const pages = await Promise.all(urls.map(() => context.newPage()))
    await Promise.all(pages.map((page, i) => page.goto(urls[i])))
    return { kill }
  },

  async shutdown() {},
}
