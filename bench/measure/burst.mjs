// The burst: many entries in one loop, then delivery (and, for horn,
// persistence), watching long tasks, heap and main-thread time.
import { sleep } from './browser.mjs'

/**
 * Burst: `entries` calls in one loop, then wait for delivery (and, for horn,
 * persistence), watching long tasks, heap and main-thread time.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 * @param {any} sink
 * @param {{ entries: number, ackTimeoutMs: number, stallMs: number }} o
 */
export async function measureBurst(page, name, sink, { entries, ackTimeoutMs, stallMs }) {
  const counts = sink.reset()
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')
  const metric = async (key) => {
    const { metrics } = await cdp.send('Performance.getMetrics')
    return metrics.find((m) => m.name === key)?.value ?? NaN
  }
  const task0 = await metric('TaskDuration')
  const heap0 = (await cdp.send('Runtime.getHeapUsage')).usedSize
  let peakHeap = heap0
  let polling = true
  // CDP answers once the main thread is free, so during the loop itself this
  // samples the moment after it: the retained heap, which is what matters.
  const heapPoll = (async () => {
    for (let i = 0; polling && i < 100_000; i++) {
      try {
        const { usedSize } = await cdp.send('Runtime.getHeapUsage')
        if (usedSize > peakHeap) peakHeap = usedSize
      } catch {
        break
      }
      await sleep(25)
    }
  })()

  const isHorn = name === 'horn'
  /** @type {any} */
  const r = await page.evaluate(
    async ([n, isHorn, timeout]) => {
      const bench = /** @type {any} */ (window).bench
      // The loop runs in a task of its own, as an app's would (a CDP evaluate
      // is not reported as a long task).
      const out = await new Promise((resolve) =>
        setTimeout(() => {
          const t0 = performance.now()
          const d0 = Date.now()
          bench.run(n, 0)
          const t1 = performance.now()
          // flush() and the polling start in a later task, so the loop's task
          // holds the loop and whatever the agent does synchronously in it.
          setTimeout(() => resolve({ t0, t1, d0, loopMs: t1 - t0, loopEndEpoch: d0 + (t1 - t0) }), 0)
        }, 0),
      )
      const t1 = out.t1
      if (!isHorn) return out
      // Durability: poll stats().persisted while flush() runs.
      const persisted = (async () => {
        const end = t1 + timeout
        while (performance.now() < end) {
          // Every entry accounted for: persisted, or dropped by the storage bound.
          const st = bench.stats()
          if (st.persisted + st.dropped >= n) return performance.now() - t1
          await new Promise((r) => setTimeout(r, 2))
        }
        return null
      })()
      const flushed = bench.flush(timeout).then((ok) => ({ ok, ms: performance.now() - t1 }))
      const [persistedMs, f] = await Promise.all([persisted, flushed])
      return { ...out, persistedMs, flushOk: f.ok, ackMs: f.ok ? f.ms : null, stats: bench.stats() }
    },
    [entries, isHorn, ackTimeoutMs],
  )

  if (name === 'datadog') {
    // Datadog has no flush(): wait for the sink to have every entry, or to stall.
    const end = Date.now() + ackTimeoutMs
    for (let i = 0; i < 1_000_000 && Date.now() < end && counts.entries < entries; i++) {
      const idle = Date.now() - Math.max(counts.lastEntryAt, r.loopEndEpoch)
      if (idle > stallMs) break
      await sleep(20)
    }
    r.ackMs = counts.entries >= entries ? counts.lastEntryAt - r.loopEndEpoch : null
  } else if (isHorn) {
    // flush() resolved on the 2xx; the sink saw it a moment before.
    for (let i = 0; i < 50 && counts.entries < r.stats.acknowledged; i++) await sleep(10)
  }
  r.lastEntryMs = counts.lastEntryAt ? counts.lastEntryAt - r.loopEndEpoch : null

  const task1 = await metric('TaskDuration')
  polling = false
  await heapPoll
  /** @type {{start: number, duration: number}[]} */
  const longtasks = await page.evaluate(() => /** @type {any} */ (window).__longtasks)
  const ltUnsupported = await page.evaluate(() => /** @type {any} */ (window).__longtasksUnsupported)
  await cdp.detach()

  // The loop is one task by construction (the app's own tight loop); what the
  // agent adds is every long task that starts after it.
  const after = longtasks.filter((t) => t.start >= r.t1 - 1)
  const loopTask = longtasks.find((t) => t.start <= r.t0 && t.start + t.duration >= r.t1 - 1)
  const network = name === 'horn' || name === 'datadog'
  return {
    loopMs: r.loopMs,
    loopTaskMs: loopTask?.duration ?? null,
    // Long tasks are only reported over 50 ms: a shorter loop task leaves this unknown.
    loopTaskExtraMs: loopTask ? Math.max(0, loopTask.duration - r.loopMs) : null,
    longestTaskAfterLoopMs: ltUnsupported ? null : after.reduce((m, t) => Math.max(m, t.duration), 0),
    longTasksAfterLoop: after.length,
    mainThreadUsPerEntry: ((task1 - task0) * 1e6) / entries,
    peakHeapMB: peakHeap / 2 ** 20,
    heapGrowthMB: (peakHeap - heap0) / 2 ** 20,
    ackMs: network ? r.ackMs : null,
    lastEntryMs: r.lastEntryMs ?? null,
    persistedMs: isHorn ? r.persistedMs : null,
    flushOk: r.flushOk,
    stats: r.stats,
    delivered: network ? counts.entries / entries : null,
    deliveredEntries: network ? counts.entries : null,
    requests: network ? counts.requests : null,
    requestsPer1k: network && counts.entries ? (counts.requests * 1000) / counts.entries : null,
    bodyBytesPerEntry: network && counts.entries ? counts.bodyBytes / counts.entries : null,
    wireBytesPerEntry: network && counts.entries ? (counts.bodyBytes + counts.headerBytes) / counts.entries : null,
    otherRequests: network ? counts.otherRequests : null,
    preflights: network ? counts.preflights : null,
    duplicateBatches: network ? counts.duplicateBatches : null,
  }
}
