// `npm run bench`: horn-logger side by side with Datadog's browser logs SDK,
// horn-logger 0.1.0 (bench/baseline), a no-op function and console.log
// (console closed), in headless Chromium
// against a sink on 127.0.0.1 (issue 6). The table notes say how to read it.
//
//   node bench/run.mjs [--rounds 5] [--entries 100000] [--calls 20000]
//                      [--throttle 4] [--smoke] [--profile] [--no-write]
//
// Every phase runs twice per round: on the machine's CPU, and with Chromium's
// CPU throttled (CDP Emulation.setCPUThrottlingRate, DevTools' "low-end
// mobile" is 4×), whose rows carry the "CPU 4× slower" label.
//
//   node bench/run.mjs [--only horn,horn010,datadog,noop,console] ...
//   node bench/run.mjs --horn-config '{"repeatLimit":0}' --no-write ...
//     (this build's logger with more options: one feature's share of a figure)
//
// This file wires the phases together; measuring is in bench/measure/*.mjs,
// the table and its notes in bench/report.mjs.
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync, mkdtempSync, copyFileSync, statSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { tmpdir, cpus } from 'node:os'
import { join, dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'
import { startPageServer, startSink } from './servers.mjs'
import { contenderPages } from './pages.mjs'
import { topSelfTime, bytesBySource } from './profile.mjs'
import { chromiumOptions } from '../demo/chromium.mjs'
import { CONTENDERS, PAGE_OF, withFreshPage, openContender } from './measure/browser.mjs'
import { EARLY_CALLS, measurePerCall } from './measure/per-call.mjs'
import { measureAllocation, measureCpu } from './measure/cost.mjs'
import { measureBurst } from './measure/burst.mjs'
import { summarize, sizes, fmt, profileMarkdown } from './report.mjs'

export { CONTENDERS, CONTENDER_LABELS } from './measure/browser.mjs'
export { COLUMNS, ROWS, median, sizes } from './report.mjs'

/**
 * Contenders whose call cost is counted (bytes, CPU). Not console.log: its
 * cost is DevTools' serialization, which the smoke runs skip too (they count
 * only horn's, now and 0.1.0).
 */
const COSTED = ['horn', 'horn010', 'datadog', 'noop']

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const HORN_BUNDLE = join(ROOT, 'dist/horn-logger.min.js')
/** The first release's script, built once (bench/baseline/README.md). */
export const BASELINE_BUNDLE = join(ROOT, 'bench/baseline/horn-logger-0.1.0.min.js')
export const DATADOG_BUNDLE = join(ROOT, 'node_modules/@datadog/browser-logs/bundle/datadog-logs.js')
const DATADOG_VERSION = JSON.parse(readFileSync(join(ROOT, 'node_modules/@datadog/browser-logs/package.json'), 'utf8')).version

export { CHROMIUM_PATH as CHROMIUM } from '../demo/chromium.mjs'

/**
 * @typedef {object} BenchOptions
 * @property {number} [rounds]   rounds, each running every contender once (default 5; smoke 1)
 * @property {number} [entries]  burst size (default 100,000; smoke 300)
 * @property {number} [calls]    measured calls for the per-call figure (default 20,000; smoke 500)
 * @property {number} [warmup]   calls before measuring (default 2,000; smoke 100)
 * @property {number} [throttle] CPU slow-down of the second run of every phase (default 4; 1 skips it)
 * @property {boolean} [smoke]   small and fast: for the test suite
 * @property {boolean} [profile] after the rounds, CPU-profile the per-call loop of horn and Datadog
 * @property {number} [ackTimeoutMs] bound on waiting for delivery (default 120,000)
 * @property {number} [stallMs]  Datadog: stop waiting when its sink has had nothing new for this long
 *                               (default 35,000: it holds a partial batch up to 30 s; smoke 2,000)
 * @property {string[]} [only]  run only these contenders (development; ratios need horn and datadog)
 * @property {object} [hornConfig] more createLogger options for this build's page (not 0.1.0's)
 * @property {(line: string) => void} [log] progress lines (default: stderr)
 */

async function machine() {
  const c = cpus()
  let chromiumVersion = 'unknown'
  const browser = await chromium.launch(chromiumOptions())
  try {
    chromiumVersion = browser.version()
  } finally {
    await browser.close()
  }
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
  } catch {}
  return { cpu: c[0]?.model?.trim() ?? 'unknown', cores: c.length, chromium: chromiumVersion, node: process.version, commit }
}

/**
 * Run the benchmark. Returns the results and the markdown table; writes
 * nothing (the CLI does).
 * @param {BenchOptions} [options]
 */
export async function runBench(options = {}) {
  const smoke = options.smoke ?? false
  const o = {
    smoke,
    rounds: options.rounds ?? (smoke ? 1 : 5),
    entries: options.entries ?? (smoke ? 300 : 100_000),
    calls: options.calls ?? (smoke ? 500 : 20_000),
    warmup: options.warmup ?? (smoke ? 100 : 2_000),
    throttle: options.throttle ?? 4,
    ackTimeoutMs: options.ackTimeoutMs ?? 120_000,
    // Smoke runs do not wait out Datadog's 30 s partial-batch timer.
    stallMs: options.stallMs ?? (smoke ? 2_000 : 35_000),
    profile: options.profile ?? false,
  }
  const log = options.log ?? ((line) => process.stderr.write(line + '\n'))

  let hornFile = HORN_BUNDLE
  if (!existsSync(HORN_BUNDLE)) throw new Error(`${HORN_BUNDLE} does not exist: run \`npm run build\` first`)

  // Serve a snapshot: a rebuild of dist/ during the run must not change the contender.
  const snapshotDir = mkdtempSync(join(tmpdir(), 'horn-bench-bundle-'))
  const snapshot = join(snapshotDir, 'horn-logger.min.js')
  copyFileSync(hornFile, snapshot)
  const bundle = {
    builtAt: statSync(hornFile).mtime.toISOString(),
    sha256: createHash('sha256').update(readFileSync(snapshot)).digest('hex').slice(0, 12),
  }
  if (existsSync(`${hornFile}.map`)) copyFileSync(`${hornFile}.map`, `${snapshot}.map`)
  hornFile = snapshot

  const sink = await startSink()
  const pages = contenderPages({ sinkUrl: sink.url, hornScript: '/horn-logger.min.js', hornConfig: options.hornConfig })
  const server = await startPageServer({
    pages: () => pages,
    files: { '/horn-logger.min.js': hornFile, '/horn-logger-0.1.0.min.js': BASELINE_BUNDLE, '/datadog-logs.js': DATADOG_BUNDLE },
  })

  /** @type {Record<string, any>[]} per round: contender → figures */
  const rounds = []
  const profiles = {}
  try {
    const mach = await machine()
    for (let round = 0; round < o.rounds; round++) {
      // Rotate the order so no contender always runs first (or last) in a round.
      const order = CONTENDERS.map((_, i) => CONTENDERS[(i + round) % CONTENDERS.length]).filter(
        (name) => !options.only || options.only.includes(name),
      )
      /** @type {Record<string, any>} */
      const figures = {}
      for (const name of order) {
        const url = server.url + PAGE_OF[name]
        figures[name] = {}
        for (const rate of o.throttle > 1 ? [1, o.throttle] : [1]) {
          const fresh = (measure) =>
            withFreshPage(async (page) => {
              await openContender(page, url)
              return measure(page)
            }, rate)
          const perCall = await fresh((page) => measurePerCall(page, o))
          // Each in a page of its own: the heap sampler slows allocation, which the CPU trace would count.
          const costed = COSTED.includes(name) && (!o.smoke || name.startsWith('horn'))
          const alloc = costed ? await fresh((page) => measureAllocation(page, o)) : {}
          const cpu = costed ? await fresh((page) => measureCpu(page, o)) : {}
          // 0.1.0 is here for the cost of the call; its burst was measured in its own release.
          const burst = name === 'horn010' ? undefined : await fresh((page) => measureBurst(page, name, sink, o))
          const measured = { perCallUs: perCall.perCallUs, earlyPerCallUs: perCall.earlyPerCallUs, ...alloc, ...cpu, ...burst }
          const suffix = rate > 1 ? '@slow' : ''
          for (const [key, value] of Object.entries(measured)) figures[name][key + suffix] = value
          log(
            `round ${round + 1}/${o.rounds} ${name}${rate > 1 ? ` (CPU ${rate}× slower)` : ''}: ${fmt(perCall.perCallUs, 3)} µs/call, ` +
              `first ${EARLY_CALLS} calls ${fmt(perCall.earlyPerCallUs, 3)} µs/call, ` +
              `allocated ${fmt(alloc.allocFirstBytes)} / ${fmt(alloc.allocWarmBytes)} B/call (first / warm), ` +
              `CPU ${fmt(cpu.cpuFirstUs, 3)} / ${fmt(cpu.cpuWarmUs, 3)} µs/call` +
              (burst
                ? `, loop ${fmt(burst.loopMs)} ms` +
                  (burst.ackMs !== null ? `, acked +${fmt(burst.ackMs)} ms` : '') +
                  (burst.delivered !== null ? `, delivered ${burst.deliveredEntries}/${o.entries}` : '') +
                  (burst.stats ? `, stats ${JSON.stringify(burst.stats)}` : '') +
                  `, loop task ${fmt(burst.loopTaskMs)} ms, long tasks after ${burst.longTasksAfterLoop}` +
                  `, peak heap ${fmt(burst.peakHeapMB)} MB`
                : ''),
          )
        }
      }
      rounds.push(figures)
    }

    if (o.profile) {
      for (const name of /** @type {const} */ (['horn', 'datadog'])) {
        const r = await withFreshPage(async (page) => {
          await openContender(page, server.url + PAGE_OF[name])
          return measurePerCall(page, { ...o, profile: true })
        })
        profiles[name] = {
          perCallUsWhileProfiling: r.perCallUs,
          top: topSelfTime(r.cpuProfile, { bundles: { '/horn-logger.min.js': hornFile } }),
        }
      }
    }

    const size = { horn: sizes(hornFile), horn010: sizes(BASELINE_BUNDLE), datadog: sizes(DATADOG_BUNDLE), hornBySource: bytesBySource(hornFile) }
    const result = summarize({ rounds, size, o, machine: { ...mach, bundle, datadogVersion: DATADOG_VERSION }, profiles })
    return result
  } finally {
    await server.close()
    await sink.close()
    rmSync(snapshotDir, { recursive: true, force: true })
  }
}

/** @param {string[]} argv */
export function parseArgs(argv) {
  /** @type {BenchOptions & { write: boolean }} */
  const o = { write: true }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const num = () => {
      const v = Number(argv[++i])
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`)
      return Math.floor(v)
    }
    if (a === '--rounds') o.rounds = num()
    else if (a === '--entries') o.entries = num()
    else if (a === '--calls') o.calls = num()
    else if (a === '--warmup') o.warmup = num()
    else if (a === '--throttle') o.throttle = num()
    else if (a === '--smoke') o.smoke = true
    else if (a === '--profile') o.profile = true
    else if (a === '--no-write') o.write = false
    else if (a === '--only') o.only = argv[++i].split(',')
    else if (a === '--horn-config') o.hornConfig = JSON.parse(argv[++i])
    else throw new Error(`unknown option ${a}`)
  }
  // A variant's figures are for comparing, not the results file.
  if (o.hornConfig && o.write) throw new Error('--horn-config goes with --no-write')
  return o
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const args = parseArgs(process.argv.slice(2))
    const result = await runBench(args)
    const md = result.markdown + profileMarkdown(result) + '\n'
    process.stdout.write('\n' + md)
    if (!result.options.smoke) execFileSync(process.execPath, [join(ROOT, 'bench/webrtc-sample.mjs')], { stdio: 'inherit' }) // WebRTC: its own row
    if (args.write && !result.options.smoke) {
      const dir = join(ROOT, 'bench/results')
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, 'latest.md'), md)
      const { markdown, table, ...json } = result
      writeFileSync(join(dir, 'latest.json'), JSON.stringify(json, null, 2) + '\n')
      process.stderr.write(`wrote bench/results/latest.md and bench/results/latest.json\n`)
    }
  } catch (e) {
    process.stderr.write(`bench: ${e instanceof Error ? e.stack : e}\n`)
    process.exitCode = 1
  }
}
