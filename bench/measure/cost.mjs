// What one log call costs, counted rather than timed: bytes allocated per
// call and main-thread CPU time per call, for the first calls after `ready`
// and for warm calls (issue 19). Wall time on a shared machine cannot tell a
// change from the noise; these two figures barely move with the load.

/** The first calls after `ready`: as many as stay under Datadog's rate limit. */
export const FIRST_CALLS = 2_000
const WARM_SAMPLED_CALLS = 4_000

/**
 * Runs `n` calls from index `start` in a task of its own (a timer, as an
 * app's code would run), marked for the trace.
 * @param {import('playwright-core').Page} page
 */
const runInTask = (page, n, start, mark) =>
  page.evaluate(
    ([n, start, mark]) =>
      new Promise((done) =>
        setTimeout(() => {
          const bench = /** @type {any} */ (window).bench
          performance.mark(mark)
          bench.run(n, start)
          performance.mark(mark + '-end')
          setTimeout(done, 0)
        }, 0),
      ),
    [n, start, mark],
  )

/**
 * Bytes allocated per call: V8's sampling heap profiler with a 128-byte mean
 * interval (nearly every object sampled, each scaled back by V8 to an
 * estimate of what was allocated), keeping objects a minor or major GC has
 * already collected, so the figure is what the call allocated, not what
 * survived. Only allocations under the call count: whatever `bench.run`
 * allocates itself (the message string and context object it passes) is
 * the caller's, the same for every contender, and left out.
 * @param {import('playwright-core').Page} page
 * @param {{ calls: number, warmup: number }} o
 */
export async function measureAllocation(page, { calls, warmup }) {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('HeapProfiler.enable')
  const sampled = async (n, start) => {
    await cdp.send('HeapProfiler.startSampling', {
      samplingInterval: 128,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    })
    await runInTask(page, n, start, 'alloc')
    const { profile } = await cdp.send('HeapProfiler.stopSampling')
    return underCall(profile) / n
  }
  const first = await sampled(FIRST_CALLS, 0)
  await runInTask(page, warmup, FIRST_CALLS, 'warmup')
  await page.waitForTimeout(200)
  // Warm calls allocate alike: a few thousand sampled ones are enough (every sample records a stack).
  const warm = await sampled(Math.min(calls, WARM_SAMPLED_CALLS), FIRST_CALLS + warmup)
  await cdp.detach()
  return { allocFirstBytes: first, allocWarmBytes: warm }
}

/**
 * Bytes allocated below `bench.run` (in the functions it calls), from a
 * sampling heap profile.
 * @param {{ head: any }} profile
 */
export function underCall(profile) {
  let bytes = 0
  const walk = (node, below) => {
    if (below) bytes += node.selfSize
    const isRun = node.callFrame.functionName === 'run' && /\.html$/.test(node.callFrame.url)
    for (const child of node.children) walk(child, below || isRun)
  }
  walk(profile.head, false)
  return bytes
}

/**
 * Main-thread CPU time per call: the thread time (`tdur`, CPU time the OS
 * gave the renderer's main thread, not wall time) of the task running the
 * loop, from a CDP trace. On this shared machine a loop's wall time was
 * about 7× its thread time; thread time does not see the other processes.
 * Chromium's CPU throttling spins on the thread, so thread time grows with
 * it (a plain loop: 3.6× at rate 4): no scaling needed.
 * @param {import('playwright-core').Page} page
 * @param {{ calls: number, warmup: number }} o
 */
export async function measureCpu(page, { calls, warmup }) {
  const cdp = await page.context().newCDPSession(page)
  /** @type {any[]} */
  const trace = []
  cdp.on('Tracing.dataCollected', ({ value }) => trace.push(...value))
  await cdp.send('Tracing.start', { categories: 'toplevel,blink.user_timing', transferMode: 'ReportEvents' })
  await runInTask(page, FIRST_CALLS, 0, 'first')
  await runInTask(page, warmup, FIRST_CALLS, 'warmup')
  await page.waitForTimeout(200)
  await runInTask(page, calls, FIRST_CALLS + warmup, 'warm')
  const traced = new Promise((done) => cdp.once('Tracing.tracingComplete', done))
  await cdp.send('Tracing.end')
  await traced
  await cdp.detach()
  const taskCpuUs = (mark) => {
    const m = trace.find((e) => e.name === mark)
    const task =
      m &&
      trace.find(
        (e) =>
          e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask' && e.pid === m.pid && e.tid === m.tid &&
          e.ts <= m.ts && e.ts + e.dur >= m.ts && e.tdur !== undefined,
      )
    if (!task) throw new Error(`no traced task holds the mark ${mark}`)
    return task.tdur
  }
  return { cpuFirstUs: taskCpuUs('first') / FIRST_CALLS, cpuWarmUs: taskCpuUs('warm') / calls }
}
