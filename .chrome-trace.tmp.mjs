import { readFileSync } from 'node:fs'
import { chromium } from 'playwright-core'
import { CHROMIUM_PATH, CHROMIUM_ARGS } from './demo/chromium.mjs'
const bundle = readFileSync('dist/horn-logger.min.js', 'utf8')
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, '--js-flags=--trace-deopt --trace-opt --trace-osr'] })
const page = await browser.newPage()
await page.setContent('<!doctype html><title>x</title>')
await page.addScriptTag({ content: bundle })
await page.evaluate(() => {
  window.logger = HornLogger.createLogger({ clientId: 'bench', apiUrl: 'http://127.0.0.1:9', captureErrors: false, logPageInfo: false, storage: 'memory' })
  window.run = (n, start) => { for (let i = start; i < start + n; i++) logger.info('bench message ' + i, { i: i, room: 'blue', ok: true }) }
})
await page.waitForTimeout(200)
await page.evaluate(() => { console.log('MARK warm start'); run(500, 0); console.log('MARK measured start') })
await page.evaluate(() => { run(2000, 500); console.log('MARK measured end') })
await page.waitForTimeout(100)
await browser.close()
