// A quick check of the slow-device budgets (issue 11): one horn-logger burst
// with Chromium's CPU throttled (DevTools' "low-end mobile" is 4×), reporting
// the longest task after the burst's own loop and the peak JS heap.
//
//   node bench/longtasks.mjs [--bundle dist/horn-logger.min.js] [--rate 4] [--entries 100000]
//
// Prints one JSON line per run. Uses the bench's servers and page.
//
// Long tasks come two ways: the page's PerformanceObserver (wall time: on a
// busy machine, time the OS gave to other processes counts too) and the
// longest task's thread time in a CDP trace (free of other processes' load).
import { chromium } from 'playwright-core'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startPageServer, startSink } from './servers.mjs'
import { contenderPages } from './pages.mjs'
import { chromiumOptions } from '../demo/chromium.mjs'
import { HORN_BUNDLE } from './run.mjs'

const { values } = parseArgs({
  options: {
    bundle: { type: 'string', default: HORN_BUNDLE },
    rate: { type: 'string', default: '4' },
    entries: { type: 'string', default: '100000' },
  },
})
const rate = Number(values.rate)
const entries = Number(values.entries)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

const sink = await startSink()
const pages = contenderPages({ sinkUrl: sink.url, hornScript: '/horn-logger.min.js' })
const server = await startPageServer({ pages: () => pages, files: { '/horn-logger.min.js': resolve(values.bundle) } })
const dir = mkdtempSync(join(tmpdir(), 'horn-longtasks-'))
const context = await chromium.launchPersistentContext(dir, chromiumOptions({ headless: true }))
try {
  const page = context.pages()[0] ?? (await context.newPage())
  await page.goto(server.url + '/horn.html', { waitUntil: 'load' })
  await page.evaluate(() => /** @type {any} */ (window).bench.ready)
  await page.waitForTimeout(300)
  const cdp = await context.newCDPSession(page)
  await cdp.send('Emulation.setCPUThrottlingRate', { rate })
  /** @type {any[]} */
  const trace = []
  cdp.on('Tracing.dataCollected', ({ value }) => trace.push(...value))
  await cdp.send('Tracing.start', { categories: 'toplevel,blink.user_timing', transferMode: 'ReportEvents' })
  const heap0 = (await cdp.send('Runtime.getHeapUsage')).usedSize
  let peakHeap = heap0
  let polling = true
  // CDP answers when the main thread is free: samples land between tasks.
  const poll = (async () => {
    for (let i = 0; polling && i < 100_000; i++) {
      const { usedSize } = await cdp.send('Runtime.getHeapUsage').catch(() => ({ usedSize: 0 }))
      peakHeap = Math.max(peakHeap, usedSize)
      await sleep(10)
    }
  })()
  const r = await page.evaluate(async (n) => {
    const bench = /** @type {any} */ (window).bench
    const { t0, t1 } = await new Promise((done) =>
      setTimeout(() => {
        const t0 = performance.now()
        bench.run(n, 0)
        performance.mark('burst-end')
        done({ t0, t1: performance.now() })
      }),
    )
    const ok = await bench.flush(120_000)
    // A moment for the last tasks (and their long-task entries) to land.
    await new Promise((r) => setTimeout(r, 500))
    return { t0, t1, ok, ackMs: performance.now() - t1, stats: bench.stats(), longtasks: /** @type {any} */ (window).__longtasks }
  }, entries)
  polling = false
  await poll
  const traced = new Promise((done) => cdp.once('Tracing.tracingComplete', done))
  await cdp.send('Tracing.end')
  await traced
  const mark = trace.find((e) => e.name === 'burst-end')
  const main = new Set(trace.filter((e) => e.ph === 'M' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`))
  const tasksAfter = trace.filter(
    (e) => e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && main.has(`${e.pid}:${e.tid}`) && mark && e.ts > mark.ts,
  )
  const longestCpuMs = tasksAfter.reduce((m, e) => Math.max(m, (e.tdur ?? 0) / 1000), 0)
  const after = r.longtasks.filter((t) => t.start >= r.t1 - 1)
  const loopTask = r.longtasks.find((t) => t.start <= r.t0 && t.start + t.duration >= r.t1 - 1)
  const round = (x) => Math.round(x * 10) / 10
  console.log(
    JSON.stringify({
      rate,
      entries,
      loopMs: round(r.t1 - r.t0),
      loopTaskExtraMs: loopTask ? round(loopTask.duration - (r.t1 - r.t0)) : null,
      longestTaskAfterLoopMs: round(after.reduce((m, t) => Math.max(m, t.duration), 0)),
      longTasksAfterLoop: after.map((t) => round(t.duration)),
      longestTaskAfterLoopCpuMs: round(longestCpuMs),
      peakHeapMB: round(peakHeap / 2 ** 20),
      heapBeforeMB: round(heap0 / 2 ** 20),
      flushed: r.ok,
      ackMs: round(r.ackMs),
      stats: r.stats,
    }),
  )
} finally {
  await context.close().catch(() => {})
  rmSync(dir, { recursive: true, force: true })
  await server.close()
  await sink.close()
}
