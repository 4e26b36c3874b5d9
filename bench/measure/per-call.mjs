// Per-call wall time: one synchronous loop of log calls, timed in the page.

/** The short per-call run: warm-up + calls stay under Datadog's 3,000-per-minute limit. */
export const EARLY_WARMUP = 500
export const EARLY_CALLS = 2_000

/**
 * Per-call cost: warm up, then time `calls` calls in one synchronous loop.
 * @param {import('playwright-core').Page} page
 * @param {{ calls: number, warmup: number, profile?: boolean }} o
 */
export async function measurePerCall(page, { calls, warmup, profile }) {
  const timeLoop = ([n, start]) => {
    const bench = /** @type {any} */ (window).bench
    const t0 = performance.now()
    bench.run(n, start)
    return performance.now() - t0
  }
  // First, a short run that stays under Datadog's rate limit (3,000 entries
  // per status per minute; past it, Datadog drops entries early).
  await page.evaluate((w) => /** @type {any} */ (window).bench.run(w, 0), EARLY_WARMUP)
  const earlyMs = await page.evaluate(timeLoop, [EARLY_CALLS, EARLY_WARMUP])
  const done = EARLY_WARMUP + EARLY_CALLS
  await page.waitForTimeout(200)
  await page.evaluate(([w, start]) => /** @type {any} */ (window).bench.run(w, start), [warmup, done])
  await page.waitForTimeout(200)
  let cdp
  if (profile) {
    cdp = await page.context().newCDPSession(page)
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.setSamplingInterval', { interval: 50 })
    await cdp.send('Profiler.start')
  }
  const ms = await page.evaluate(timeLoop, [calls, done + warmup])
  let cpuProfile
  if (cdp) {
    ;({ profile: cpuProfile } = await cdp.send('Profiler.stop'))
    await cdp.detach()
  }
  const isolated = await page.evaluate(() => crossOriginIsolated)
  if (!isolated) throw new Error('the bench page is not cross-origin isolated: timers would be coarse')
  return { perCallUs: (ms * 1000) / calls, earlyPerCallUs: (earlyMs * 1000) / EARLY_CALLS, cpuProfile }
}
