// Local paired cold-call probe (not part of the project): per round, base then current bundle, fresh context each.
import { readFileSync } from 'node:fs'
import { chromium } from 'playwright-core'
import { chromiumOptions } from './demo/chromium.mjs'
const files = process.argv.slice(2, 4)
const throttle = Number(process.argv[4] || 1)
const rounds = Number(process.argv[5] || 10)
const bundles = files.map((f) => readFileSync(f, 'utf8'))
const browser = await chromium.launch(chromiumOptions())
const res = files.map(() => [])
async function once(bundle) {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.route('http://127.0.0.1:9/**', (r) => r.abort())
  const cdp = await context.newCDPSession(page)
  if (throttle > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle })
  await page.setContent('<!doctype html><title>x</title>')
  await page.addScriptTag({ content: bundle })
  await page.evaluate(() => {
    window.logger = HornLogger.createLogger({ clientId: 'bench', apiUrl: 'http://127.0.0.1:9', captureErrors: false, logPageInfo: false, storage: 'memory' })
    window.run = (n, start) => { for (let i = start; i < start + n; i++) logger.info('bench message ' + i, { i: i, room: 'blue', ok: true }) }
  })
  await page.waitForTimeout(200)
  await page.evaluate(() => run(500, 0))
  const ms = await page.evaluate(() => { const t0 = performance.now(); run(2000, 500); return performance.now() - t0 })
  await context.close()
  return (ms * 1000) / 2000
}
try {
  for (let r = 0; r < rounds; r++) for (let i = 0; i < bundles.length; i++) res[i].push(await once(bundles[(i + r) % bundles.length === i ? i : i]))
} finally {
  await browser.close()
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)] }
files.forEach((f, i) => console.log(f, 'throttle', throttle, 'min', Math.min(...res[i]).toFixed(2), 'median', med(res[i]).toFixed(2), 'all', res[i].map((x) => x.toFixed(2)).join(' ')))
const ratios = res[1].map((x, i) => x / res[0][i])
console.log('paired ratio current/base median', med(ratios).toFixed(3))
