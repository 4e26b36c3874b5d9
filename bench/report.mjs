// The report: medians over rounds, ratios, budgets and the markdown table
// with its notes. Measuring is in bench/measure/; wiring in bench/run.mjs.
import { readFileSync } from 'node:fs'
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib'
import { CONTENDERS, CONTENDER_LABELS } from './measure/browser.mjs'
import { EARLY_CALLS } from './measure/per-call.mjs'
import { FIRST_CALLS } from './measure/cost.mjs'

/** Columns of the table, left to right. */
export const COLUMNS = ['figure', 'horn-logger', 'horn 0.1.0', 'horn ÷ 0.1.0', 'Datadog', 'horn ÷ Datadog', 'no-op', 'console.log', 'target']

/** Rows of the table: key, label, unit formatting, lower is better for all. */
export const ROWS = /** @type {const} */ ([
  ['earlyPerCallUs', 'per call, µs (first {early} calls: under Datadog’s rate limit)'],
  ['perCallUs', 'per call, µs ({calls} calls; Datadog drops past 3,000/min)'],
  ['allocFirstBytes', 'per call, bytes allocated (first {first} calls after ready)'],
  ['allocWarmBytes', 'per call, bytes allocated (warm)'],
  ['cpuFirstUs', 'per call, main-thread CPU, µs (first {first} calls after ready)'],
  ['cpuWarmUs', 'per call, main-thread CPU, µs (warm)'],
  ['loopMs', 'burst: logging loop, ms'],
  ['mainThreadUsPerEntry', 'burst: main-thread time per entry, µs (all tasks, logging to last ack)'],
  ['ackMs', 'burst: all entries acknowledged, ms after the loop'],
  ['lastEntryMs', 'burst: last entry reached the sink, ms after the loop'],
  ['delivered', 'burst: entries delivered (lines at the sink ÷ entries logged)'],
  ['requestsPer1k', 'burst: log requests per 1,000 delivered entries'],
  ['bodyBytesPerEntry', 'burst: body bytes per entry'],
  ['wireBytesPerEntry', 'burst: body + request line + headers, bytes per entry'],
  ['loopTaskExtraMs', 'burst: the loop’s task minus the loop, ms'],
  ['longestTaskAfterLoopMs', 'burst: longest long task after the loop, ms'],
  ['peakHeapMB', 'burst: peak JS heap, MB'],
  ['persistedMs', 'durability: all entries persisted (or dropped), ms after the loop'],
  ['earlyPerCallUs@slow', 'CPU {throttle}× slower: per call, µs (first {early} calls)'],
  ['perCallUs@slow', 'CPU {throttle}× slower: per call, µs ({calls} calls)'],
  ['allocFirstBytes@slow', 'CPU {throttle}× slower: per call, bytes allocated (first {first} calls after ready)'],
  ['allocWarmBytes@slow', 'CPU {throttle}× slower: per call, bytes allocated (warm)'],
  ['cpuFirstUs@slow', 'CPU {throttle}× slower: per call, main-thread CPU, µs (first {first} calls after ready)'],
  ['cpuWarmUs@slow', 'CPU {throttle}× slower: per call, main-thread CPU, µs (warm)'],
  ['loopMs@slow', 'CPU {throttle}× slower: burst: logging loop, ms'],
  ['loopTaskExtraMs@slow', 'CPU {throttle}× slower: burst: the loop’s task minus the loop, ms'],
  ['longestTaskAfterLoopMs@slow', 'CPU {throttle}× slower: burst: longest long task after the loop, ms'],
  ['peakHeapMB@slow', 'CPU {throttle}× slower: burst: peak JS heap, MB'],
  ['ackMs@slow', 'CPU {throttle}× slower: burst: all entries acknowledged, ms after the loop'],
  ['minBytes', 'size: minified, bytes'],
  ['gzipBytes', 'size: gzip, bytes'],
  ['brotliBytes', 'size: brotli, bytes'],
])

/**
 * The budgets (issues 6 and 11). Cold calls: half of what the first 2,000
 * calls cost before the "lean inside" work, as this bench measured them on
 * the same machine (commit b026a24: 4.15 µs, and 14.1 µs with the CPU 4×
 * slower; the issue's 46 µs came from another setup, so its half would be
 * no budget at all here).
 */
const BUDGET = { coldCallUs: 4.15 / 2, coldCallSlowUs: 14.1 / 2, heapMB: 25, gzipBytes: 8192, longTaskMs: 50 }
/** @type {Record<string, string>} */
const TARGETS = {
  earlyPerCallUs: `≤ ${BUDGET.coldCallUs}`,
  perCallUs: '< 1 and < Datadog',
  longestTaskAfterLoopMs: `≤ ${BUDGET.longTaskMs}`,
  peakHeapMB: `≤ ${BUDGET.heapMB}`,
  bodyBytesPerEntry: '< Datadog',
  wireBytesPerEntry: '< Datadog',
  'earlyPerCallUs@slow': `≤ ${BUDGET.coldCallSlowUs}`,
  'longestTaskAfterLoopMs@slow': `≤ ${BUDGET.longTaskMs}`,
  'peakHeapMB@slow': `≤ ${BUDGET.heapMB}`,
  gzipBytes: `≤ ${BUDGET.gzipBytes.toLocaleString('en-US')}`,
}
// Issue 19: what the call costs, counted, at most half of the first release's.
for (const key of ['allocFirstBytes', 'allocWarmBytes', 'cpuFirstUs', 'cpuWarmUs']) {
  TARGETS[key] = TARGETS[key + '@slow'] = '≤ ½ of 0.1.0'
}

/** @param {number[]} xs */
export function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return undefined
  const mid = v.length >> 1
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

/** @param {string} file */
export function sizes(file) {
  const buf = readFileSync(file)
  return {
    minBytes: buf.length,
    gzipBytes: gzipSync(buf, { level: 9 }).length,
    brotliBytes: brotliCompressSync(buf, {
      params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: buf.length },
    }).length,
  }
}

/** @param {any} x @param {number} digits */
export function fmt(x, digits = 2) {
  if (x === undefined || x === null || Number.isNaN(x)) return '—'
  if (typeof x === 'string') return x
  const a = Math.abs(x)
  if (a >= 1000) return Math.round(x).toLocaleString('en-US')
  if (a >= 100) return x.toFixed(0)
  if (a >= 10) return x.toFixed(1)
  return x.toFixed(digits)
}

/**
 * Medians over rounds, and horn ÷ Datadog ratios computed inside each round
 * (the machine is shared: a slow round slows both), then medianed.
 */
export function summarize({ rounds, size, o, machine, profiles }) {
  /** @type {Record<string, Record<string, number|undefined>>} */
  const medians = {}
  for (const name of CONTENDERS) {
    medians[name] = {}
    for (const [key] of ROWS) {
      if (key in size.horn) {
        medians[name][key] = size[name]?.[key]
      } else {
        medians[name][key] = median(rounds.map((r) => r[name]?.[key]))
      }
    }
  }
  /** @type {Record<string, number|undefined>} */
  const ratios = {}
  /** horn ÷ horn 0.1.0, the same way */
  /** @type {Record<string, number|undefined>} */
  const ratios010 = {}
  for (const [key] of ROWS) {
    if (key in size.horn) {
      ratios[key] = size.horn[key] / size.datadog[key]
      ratios010[key] = size.horn010 ? size.horn[key] / size.horn010[key] : undefined
    } else {
      ratios[key] = median(rounds.map((r) => r.horn?.[key] / r.datadog?.[key]))
      ratios010[key] = median(rounds.map((r) => r.horn?.[key] / r.horn010?.[key]))
    }
  }

  const h = medians.horn
  const d = medians.datadog
  const ms = (x) => `${fmt(x)} ms`
  const budget = (target, value, limit, detail) => ({ target, met: value !== undefined && value <= limit, detail })
  const targets = [
    {
      target: 'per call under 1 µs',
      met: h.perCallUs !== undefined && h.perCallUs < 1,
      detail: `${fmt(h.perCallUs, 3)} µs`,
    },
    {
      target: "per call below Datadog's, same run",
      met: ratios.perCallUs !== undefined && ratios.perCallUs < 1,
      detail: `horn ÷ Datadog = ${fmt(ratios.perCallUs, 3)} (median of per-round ratios)`,
    },
    budget(`first ${EARLY_CALLS.toLocaleString('en-US')} calls at most half their cost before (${BUDGET.coldCallUs} µs)`, h.earlyPerCallUs, BUDGET.coldCallUs, `${fmt(h.earlyPerCallUs, 3)} µs`),
    budget(`first ${EARLY_CALLS.toLocaleString('en-US')} calls, CPU ${o.throttle}× slower, at most ${BUDGET.coldCallSlowUs} µs`, h['earlyPerCallUs@slow'], BUDGET.coldCallSlowUs, `${fmt(h['earlyPerCallUs@slow'], 3)} µs`),
    ...['allocFirstBytes', 'allocWarmBytes', 'cpuFirstUs', 'cpuWarmUs'].flatMap((key) =>
      ['', '@slow'].map((s) => ({
        target: `${key.startsWith('alloc') ? 'bytes allocated' : 'main-thread CPU'} per call (${key.includes('First') ? `first ${FIRST_CALLS.toLocaleString('en-US')} calls` : 'warm'}${s ? `, CPU ${o.throttle}× slower` : ''}) at most half of 0.1.0's`,
        met: ratios010[key + s] !== undefined && ratios010[key + s] <= 0.5,
        detail: `${fmt(h[key + s], 3)} vs ${fmt(medians.horn010[key + s], 3)}: ${fmt(ratios010[key + s], 3)}`,
      })),
    ),
    budget('no long task over 50 ms after the logging loop', h.longestTaskAfterLoopMs, BUDGET.longTaskMs, `longest ${ms(h.longestTaskAfterLoopMs)}; the loop itself ${ms(h.loopMs)}`),
    budget(`no long task over 50 ms after the logging loop, CPU ${o.throttle}× slower`, h['longestTaskAfterLoopMs@slow'], BUDGET.longTaskMs, `longest ${ms(h['longestTaskAfterLoopMs@slow'])}; the loop itself ${ms(h['loopMs@slow'])}`),
    budget(`peak JS heap during the burst at most ${BUDGET.heapMB} MB`, Math.max(h.peakHeapMB ?? Infinity, h['peakHeapMB@slow'] ?? 0), BUDGET.heapMB, `${fmt(h.peakHeapMB)} MB (CPU ${o.throttle}× slower: ${fmt(h['peakHeapMB@slow'])} MB)`),
    {
      target: 'fewer bytes per entry on the wire than Datadog',
      met: ratios.wireBytesPerEntry !== undefined && ratios.wireBytesPerEntry < 1,
      detail: `${fmt(h.wireBytesPerEntry)} vs ${fmt(d.wireBytesPerEntry)} bytes (body ${fmt(h.bodyBytesPerEntry)} vs ${fmt(d.bodyBytesPerEntry)})`,
    },
    budget(`script-tag bundle at most ${BUDGET.gzipBytes.toLocaleString('en-US')} B gzip -9`, size.horn.gzipBytes, BUDGET.gzipBytes, `${size.horn.gzipBytes.toLocaleString('en-US')} B; Datadog ${size.datadog.gzipBytes.toLocaleString('en-US')} B (${fmt(ratios.gzipBytes, 3)})`),
  ]

  const date = new Date().toISOString()
  const header = `| ${COLUMNS.join(' | ')} |\n|${COLUMNS.map((c, i) => (i === 0 ? ':---' : i === COLUMNS.length - 1 ? ':---' : '---:')).join('|')}|`
  const body = ROWS.map(([key, label]) => {
    const cells = [
      label
        .replace('{early}', EARLY_CALLS.toLocaleString('en-US'))
        .replace('{first}', FIRST_CALLS.toLocaleString('en-US'))
        .replace('{calls}', o.calls.toLocaleString('en-US'))
        .replace('{throttle}', String(o.throttle)),
      fmt(medians.horn[key]),
      fmt(medians.horn010[key]),
      fmt(ratios010[key], 3),
      fmt(medians.datadog[key]),
      fmt(ratios[key], 3),
      fmt(medians.noop[key]),
      fmt(medians.console[key]),
      TARGETS[key] ?? '',
    ]
    if (key === 'delivered') {
      cells[1] = fmtFraction(medians.horn[key])
      cells[4] = fmtFraction(medians.datadog[key])
    }
    return `| ${cells.join(' | ')} |`
  }).join('\n')
  const table = `${header}\n${body}`

  const lines = [
      `${machine.cpu}, ${machine.cores} cores (shared), Chromium ${machine.chromium}, Node ${machine.node}; ${date}; ` +
      `repo HEAD ${machine.commit}, dist/horn-logger.min.js built ${machine.bundle.builtAt} (sha-256 ${machine.bundle.sha256}…), ` +
      `@datadog/browser-logs ${machine.datadogVersion}; horn 0.1.0: bench/baseline/horn-logger-0.1.0.min.js.`,
    `${o.rounds} round${o.rounds === 1 ? '' : 's'}, medians; ratios computed inside each round, then medianed. ` +
      `Burst of ${o.entries.toLocaleString('en-US')} entries; per call over ${o.calls.toLocaleString('en-US')} calls after ${o.warmup.toLocaleString('en-US')} warm-up calls.`,
    '',
    table,
    '',
    '**Budgets and targets**',
    '',
    ...targets.map((t) => `- ${t.met ? 'met' : 'MISSED'}: ${t.target} (${t.detail})`),
    '',
    ...(size.hornBySource.length
      ? [
          `**Where horn-logger's minified bytes go** (source map): ` +
            size.hornBySource
              .slice(0, 10)
              .map((x) => `${x.source} ${x.bytes.toLocaleString('en-US')}`)
              .join(', ') +
            '.',
          '',
        ]
      : []),
    '**How to read it**',
    '',
    ...notes(rounds, o).map((n) => `- ${n}`),
  ]
  const markdown = lines.join('\n') + '\n'
  return {
    date,
    machine,
    options: o,
    size,
    medians,
    ratios,
    ratios010,
    targets,
    rounds,
    profiles,
    table,
    markdown,
  }
}

/**
 * What a reader needs to know to trust (or discount) the figures.
 * @param {Record<string, any>[]} rounds
 * @param {{ entries: number }} o
 */
function notes(rounds, o) {
  const m = (name, f) => median(rounds.map((r) => (r[name] ? f(r[name]) : undefined)))
  const dropped = m('horn', (h) => h.stats?.dropped)
  const ddDelivered = m('datadog', (d) => d.deliveredEntries)
  return [
    'Each contender runs each phase (per call; burst) in a fresh browser profile on disk, so IndexedDB is real storage. ' +
      'Pages are cross-origin isolated (5 µs timers); the sink is on another origin, as in production.',
    `Per call: one synchronous loop of \`info('bench message ' + i, { i, room: 'blue', ok: true })\`; only the call's own time, not work it defers.` +
      ' The main-thread row counts everything (CDP `TaskDuration`) from the burst to its last acknowledgement, divided by the entries logged.',
    `Datadog drops entries past 3,000 per status per minute (its rate limiter, not configurable from \`init\`): its ${o.calls.toLocaleString('en-US')}-call figure is mostly that drop path, ` +
      `and its burst delivered ${fmt(ddDelivered)} of ${o.entries.toLocaleString('en-US')} entries. Its bytes and requests are per delivered entry. ` +
      'It has no flush(): it sends a partial batch after 30 s (or when the page hides), which its last-entry time includes.',
    `horn-logger dropped ${fmt(dropped)} of the burst (median) at its storage bound (\`maxStoredBytes\`), and says so in one WARN line (counted as delivered).`,
    'Long tasks: the burst loop runs in a task of its own (the app’s); the row is the longest task that started after it (PerformanceObserver `longtask`, buffered).',
    'Heap: CDP `Runtime.getHeapUsage` every 25 ms; during the loop the main thread cannot answer, so the first sample after it is the retained heap.',
    'Wire bytes: body plus request line and headers as the sink received them (HTTP/1.1); CORS preflights and registration are not in the per-entry figures.',
    `Bytes allocated per call: V8's sampling heap profiler (CDP \`HeapProfiler.startSampling\`, 128-byte mean interval, objects already collected by minor and major GCs kept), ` +
      'summed over the functions below the call site: what the call allocates, not the message and context the caller builds. ' +
      `First ${FIRST_CALLS.toLocaleString('en-US')} calls: from the first call after \`ready\` in a fresh page; warm: ${o.warmup.toLocaleString('en-US')} calls later, ` +
      `over ${Math.min(o.calls, 4_000).toLocaleString('en-US')} calls. Sampling, not heap-size deltas: a delta cannot tell the call's garbage from GC timing, and names no function.`,
    'Main-thread CPU per call: the thread time (`tdur`: CPU time, not wall time, so other processes on the machine do not count) of the task running the loop, ' +
      'from a CDP trace (`toplevel` category), GC in that task included; same calls as the row above, warm over all ' +
      `${o.calls.toLocaleString('en-US')} calls. Chromium's CPU throttling spins on the thread, so thread time grows with it (a plain loop: 3.6× at rate 4). ` +
      'horn 0.1.0 is the first release\'s script (bench/baseline), run in the same pages; horn ÷ 0.1.0 is computed inside each round, then medianed.',
    'console.log: no console listener, but Playwright keeps the CDP Runtime domain on, so each call is still serialized for DevTools: a truly closed console is cheaper.',
  ]
}

/** @param {number|undefined} x */
function fmtFraction(x) {
  if (x === undefined) return '—'
  return `${(x * 100).toFixed(x >= 1 ? 0 : 1)} %`
}

/** @param {any} result */
export function profileMarkdown(result) {
  const out = []
  for (const [name, p] of Object.entries(result.profiles ?? {})) {
    out.push(
      '',
      `**CPU profile, per-call loop, ${CONTENDER_LABELS[name]}** (${fmt(p.perCallUsWhileProfiling, 3)} µs/call while profiling; self time)`,
      '',
      '| self % | function | where |',
      '|---:|:---|:---|',
      ...p.top.map((f) => `| ${f.percent.toFixed(1)} | ${f.name} | ${f.where} |`),
    )
  }
  return out.join('\n')
}
