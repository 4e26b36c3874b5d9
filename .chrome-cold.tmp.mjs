// Local cold-call probe (not part of the project): first 2000 info() calls after 500, fresh page each time.
import { readFileSync } from 'node:fs'
import { chromium } from 'playwright-core'
import { chromiumOptions } from './demo/chromium.mjs'
const bundle = readFileSync(process.argv[2] || 'dist/horn-logger.min.js', 'utf8')
const throttle = Number(process.argv[3] || 1)
const profile = process.argv[4] === 'profile'
const browser = await chromium.launch(chromiumOptions())
const results = []
const agg = new Map()
try {
  for (let round = 0; round < 8; round++) {
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
    await page.waitForTimeout(300)
    await page.evaluate(() => run(500, 0))
    if (profile) { await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 20 }); await cdp.send('Profiler.start') }
    const ms = await page.evaluate(() => { const t0 = performance.now(); run(2000, 500); return performance.now() - t0 })
    if (profile) {
      const { profile: p } = await cdp.send('Profiler.stop')
      const byId = new Map(p.nodes.map((n) => [n.id, n]))
      const parent = new Map(); for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id); const under = (id) => { for (let x = id; x !== undefined; x = parent.get(x)) { const fn = byId.get(x).callFrame.functionName; if (fn === 'window.run' || fn === 'run') return true } return false }; p.samples.forEach((id, i) => { if (!under(id)) return; const cf = byId.get(id).callFrame; const k = `${cf.functionName || '(anon)'}:${cf.lineNumber}:${cf.columnNumber}`; agg.set(k, (agg.get(k) ?? 0) + (p.timeDeltas[i] ?? 0)) })
    }
    results.push((ms * 1000) / 2000)
    await context.close()
  }
} finally {
  await browser.close()
}
results.sort((a, b) => a - b)
console.log('throttle', throttle, 'µs/call sorted', results.map((x) => x.toFixed(2)).join(' '), 'median', results[4].toFixed(2))
if (profile) { const { decodeMappings } = await import('./bench/profile.mjs'); const map = JSON.parse(readFileSync((process.argv[2] || 'dist/horn-logger.min.js') + '.map', 'utf8')); const segs = decodeMappings(map.mappings)[0]; const src = (col) => { let lo = 0; for (const s of segs) { if (s[0] > col) break; lo = s } return lo && lo.length >= 4 ? map.sources[lo[1]].replace(/^(\.\.\/)+/, '') + ':' + (lo[2] + 1) : '?' }; const bySrc = new Map(); for (const [k, v] of agg) { const [, line, col] = k.split(':'); const key = line === '0' ? src(Number(col)) : k.split(':')[0]; bySrc.set(key, (bySrc.get(key) ?? 0) + v) } const t2 = [...bySrc.values()].reduce((a, b) => a + b, 0); for (const [k, v] of [...bySrc].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log('src', (100 * v / t2).toFixed(1).padStart(6), k); const tot = [...agg.values()].reduce((a, b) => a + b, 0); for (const [k, v] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((100 * v / tot).toFixed(1).padStart(6), k) }
