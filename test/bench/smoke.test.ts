/**
 * Keeps `npm run bench` from rotting: one small round (a few hundred
 * entries) of the real harness, in real Chromium, on the built bundle. The
 * figures are not asserted (issue 6: targets are reported, not tested); the
 * shape of the table and horn-logger's delivery are.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error: a plain ES module without types
import { runBench, COLUMNS, ROWS, HORN_BUNDLE } from '../../bench/run.mjs'

type Row = readonly [string, string]

let result: any

beforeAll(async () => {
  if (!existsSync(HORN_BUNDLE)) {
    try {
      execFileSync('npm', ['run', 'build'], { stdio: 'pipe' })
    } catch (e: any) {
      throw new Error(`dist/horn-logger.min.js is missing and \`npm run build\` failed:\n${e.stderr ?? e}`)
    }
  }
  result = await runBench({ smoke: true, log: () => {} })
}, 360_000)

describe('npm run bench --smoke', () => {
  it('prints a markdown table with every figure for every contender', () => {
    const lines: string[] = result.table.split('\n')
    expect(lines[0]).toBe(`| ${COLUMNS.join(' | ')} |`)
    expect(lines[1]).toMatch(/^\|(:?-+:?\|)+$/)
    const rows = lines.slice(2)
    expect(rows).toHaveLength(ROWS.length)
    for (const row of rows) expect(row.split(' | ')).toHaveLength(COLUMNS.length)
    const labels = rows.map((r) => r.slice(2).split(' | ')[0])
    expect(labels.map((l) => l.replace(/[\d,]+ calls/, 'N calls'))).toEqual(
      (ROWS as Row[]).map(([, label]) => label.replace(/\{\w+\} calls/, 'N calls').replace('{throttle}', String(result.options.throttle))),
    )
    expect(result.markdown).toContain(result.table)
    expect(result.markdown).toMatch(/cores/)
    expect(result.markdown).toMatch(/Chromium \d+/)
    expect(result.markdown).toMatch(/CPU 4× slower: burst: longest long task after the loop, ms \| \d/)
  })

  it('measures every contender, and horn-logger and Datadog in the same round', () => {
    const round = result.rounds[0]
    for (const name of ['horn', 'datadog', 'noop', 'console']) {
      for (const key of ['perCallUs', 'earlyPerCallUs', 'perCallUs@slow', 'earlyPerCallUs@slow', 'peakHeapMB', 'peakHeapMB@slow']) {
        expect(round[name][key], `${name} ${key}`).toBeGreaterThan(0)
      }
      // Measured, not left out: a number (0 when no task after the loop was long).
      expect(round[name]['longestTaskAfterLoopMs@slow'], name).toBeTypeOf('number')
    }
    // What the call costs, counted: horn and its first release side by side.
    for (const name of ['horn', 'horn010']) {
      for (const key of ['allocFirstBytes', 'allocWarmBytes', 'cpuFirstUs', 'cpuWarmUs']) {
        expect(round[name][key], `${name} ${key}`).toBeGreaterThan(0)
        expect(round[name][key + '@slow'], `${name} ${key}@slow`).toBeGreaterThan(0)
      }
    }
    expect(result.ratios010.cpuFirstUs).toBeGreaterThan(0)
    // Hundreds of entries through a real agent take measurable time, throttled or not.
    expect(round.horn.loopMs).toBeGreaterThan(0)
    expect(round.horn['loopMs@slow']).toBeGreaterThan(0)
    expect(result.ratios.perCallUs).toBeGreaterThan(0)
    expect(result.ratios.bodyBytesPerEntry).toBeGreaterThan(0)
    expect(result.size.horn.gzipBytes).toBeGreaterThan(0)
    expect(result.size.horn.brotliBytes).toBeLessThan(result.size.horn.minBytes)
  })

  it("acknowledges all of horn-logger's burst, each entry once", () => {
    const { horn } = result.rounds[0]
    const entries = result.options.entries
    expect(horn.flushOk).toBe(true)
    expect(horn.stats).toMatchObject({ logged: entries, acknowledged: entries, dropped: 0, pending: 0 })
    expect(horn.deliveredEntries).toBe(entries)
    expect(horn.duplicateBatches).toBe(0)
    expect(horn.persistedMs).not.toBeNull()
    expect(horn.ackMs).not.toBeNull()
  })
})
