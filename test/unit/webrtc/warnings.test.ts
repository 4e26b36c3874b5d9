/** warnings.ts: 3 of the last 5 samples start a warning, 5 clean ones in a row end it. */
import { describe, expect, it } from 'vitest'
import { createWarnings } from '../../../src/webrtc/warnings'

/** Feeds `pattern` (1: the condition shows, 0: it does not), one sample every 2 s; returns each sample's changes. */
function run(pattern: string) {
  const warnings = createWarnings()
  const out: string[] = []
  ;[...pattern].forEach((c, i) => {
    const { started, ended } = warnings.update(c === '1' ? { 'high-rtt': 500 } : {}, i * 2000)
    out.push(started.length ? 'S' : ended.length ? 'E' : '.')
  })
  return { marks: out.join(''), warnings }
}

describe('warnings', () => {
  it('starts on the third showing sample of five, at most two samples after the first', () => {
    expect(run('111').marks).toBe('..S')
    expect(run('10101').marks).toBe('....S')
    expect(run('1001001').marks).toBe('.......')
  })

  it('ends after five clean samples in a row, and does not flap on a condition that comes and goes', () => {
    expect(run('111' + '00000').marks).toBe('..S....E')
    // Showing every other sample: one warning, held throughout.
    expect(run('111' + '01010101010').marks).toBe('..S' + '...........')
    expect(run('111' + '0000100000').marks).toBe('..S' + '.........E')
  })

  it('says what started with its value, and how long each warning lasted', () => {
    const warnings = createWarnings()
    expect(warnings.update({ 'high-loss': 5 }, 0)).toEqual({ started: [], ended: [] })
    warnings.update({ 'high-loss': 6 }, 2000)
    expect(warnings.update({ 'high-loss': 7 }, 4000)).toEqual({ started: [{ code: 'high-loss', value: 7 }], ended: [] })
    expect(warnings.open()).toEqual(['high-loss'])
    expect(warnings.totals(10_000)).toEqual({ 'high-loss': 6000 })
    for (let t = 6000; t < 14_000; t += 2000) warnings.update({}, t)
    expect(warnings.update({}, 14_000)).toEqual({ started: [], ended: [{ code: 'high-loss', ms: 10_000 }] })
    expect(warnings.open()).toEqual([])
    expect(warnings.totals(60_000)).toEqual({ 'high-loss': 10_000 })
  })
})
