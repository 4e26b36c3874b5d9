/**
 * Firefox ESR (Debian's `/usr/bin/firefox-esr`) driven by puppeteer-core 24
 * over WebDriver BiDi (puppeteer 25 needs Node 22). Puppeteer starts Firefox
 * detached, in a process group of its own, which is what a kill aims at.
 */
import { execFileSync } from 'node:child_process'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { bounded, killGroup, tempDir, trackGroup, waitForExit, type Engine, type EngineBrowser, type EnginePage } from './driver'

const FIREFOX_PATH = '/usr/bin/firefox-esr'

async function open(profile: string): Promise<{ browser: Browser; kill(): Promise<void> }> {
  const browser = await bounded(
    'launching Firefox',
    puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      userDataDir: profile,
      headless: true,
      // Puppeteer's own handlers would end the test run with the browser.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    }),
  )
  const pid = browser.process()?.pid
  trackGroup(pid)
  return {
    browser,
    async kill() {
      killGroup(pid)
      await waitForExit(pid)
    },
  }
}

function wrap(page: Page): EnginePage {
  return {
    async goto(url) {
      await page.goto(url)
    },
    async back() {
      // A page restored from the back/forward cache fires no `load`, which goBack waits for. Callers wait
      // for the page itself (its URL, then the agent), with a bound.
      await page.goBack({ timeout: 10_000 }).catch((error: Error) => {
        if (error.name !== 'TimeoutError') throw error
      })
    },
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    setOffline: (offline) => page.setOfflineMode(offline),
    close: () => page.close(),
  }
}

export const firefox: Engine = {
  name: 'firefox',
  version: execFileSync(FIREFOX_PATH, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),

  async launch(): Promise<EngineBrowser> {
    const profile = tempDir('horn-firefox-')
    const { browser, kill } = await open(profile.path)
    return {
      newPage: async () => wrap(await browser.newPage()),
      async close() {
        await bounded('closing Firefox', browser.close(), 10_000).catch(() => {})
        await kill()
        profile.remove()
      },
    }
  },

  async start(profile, urls) {
    const { browser, kill } = await open(profile)
    const pages = await Promise.all(urls.map(() => browser.newPage()))
    await Promise.all(pages.map((page, i) => page.goto(urls[i])))
    return { kill }
  },

  async shutdown() {},
}
