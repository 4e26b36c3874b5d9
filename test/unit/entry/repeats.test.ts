// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createRepeats } from '../../../src/entry/repeats'
import { fresh, T0 } from '../../support/helpers'
import type { Entry, LoggerConfig } from '../../../src/types'

beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(T0)
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('createRepeats', () => {
  it('keeps `limit` identical entries a window, counts the rest, and reports the count once when the window ends', () => {
    const report = vi.fn()
    const repeats = createRepeats(10, report)
    const kept = Array.from({ length: 10_000 }, () => repeats.keep('error', 'boom', Date.now())).filter(Boolean)
    expect(kept).toHaveLength(10)
    expect(report).not.toHaveBeenCalled()
    vi.advanceTimersByTime(60_000)
    expect(report).toHaveBeenCalledTimes(1)
    expect(report).toHaveBeenCalledWith('error', 'boom', 9_990)
    // A new window: ten more.
    expect(repeats.keep('error', 'boom', Date.now())).toBe(true)
  })

  it('tells levels and messages apart; unrelated entries are kept meanwhile', () => {
    const repeats = createRepeats(2, vi.fn())
    const t = Date.now()
    expect([1, 2, 3].map(() => repeats.keep('info', 'a', t))).toEqual([true, true, false])
    expect(repeats.keep('warn', 'a', t)).toBe(true)
    expect(repeats.keep('info', 'b', t)).toBe(true)
  })

  it('end() reports at once (flush, close, page exit) and clears the timer', () => {
    const report = vi.fn()
    const repeats = createRepeats(1, report)
    for (let i = 0; i < 5; i++) repeats.keep('info', 'x', Date.now())
    repeats.end()
    expect(report).toHaveBeenCalledWith('info', 'x', 4)
    vi.advanceTimersByTime(120_000)
    expect(report).toHaveBeenCalledTimes(1)
  })

  it('nothing suppressed, nothing reported', () => {
    const report = vi.fn()
    const repeats = createRepeats(10, report)
    for (let i = 0; i < 10; i++) repeats.keep('info', 'x', Date.now())
    repeats.end()
    vi.advanceTimersByTime(120_000)
    expect(report).not.toHaveBeenCalled()
  })

  it('an entry over the limit stays counted while 100,000 distinct entries pass, and its count adds up', () => {
    const report = vi.fn()
    const repeats = createRepeats(10, report)
    const t = Date.now()
    let kept = 0
    for (let i = 0; i < 15; i++) kept += +repeats.keep('error', 'TypeError: boom (app.js:1:2)', t)
    for (let i = 0; i < 100_000; i++) expect(repeats.keep('info', 'bench message ' + i, t)).toBe(true)
    for (let i = 0; i < 15; i++) kept += +repeats.keep('error', 'TypeError: boom (app.js:1:2)', t)
    expect(kept).toBe(10)
    repeats.end()
    expect(report.mock.calls).toEqual([['error', 'TypeError: boom (app.js:1:2)', 20]])
  })

  it('many messages repeating at once are each limited, each with its own count', () => {
    const report = vi.fn()
    const repeats = createRepeats(3, report)
    const t = Date.now()
    const messages = Array.from({ length: 200 }, (_, i) => `peer ${i} disconnected`)
    let kept = 0
    for (let round = 0; round < 5; round++) for (const m of messages) kept += +repeats.keep('warn', m, t)
    repeats.end()
    // Two slots per hash: a message whose two slots are both held by suppressed ones is not limited, never lost.
    const counted = report.mock.calls.reduce((sum, [, , n]) => sum + n, 0)
    expect(kept + counted).toBe(1000)
    expect(report.mock.calls.length).toBeGreaterThan(180)
    for (const [, , n] of report.mock.calls) expect(n).toBe(2)
  })
})

describe('the repeat limit in the entry builder', () => {
  async function entriesWith(config: Partial<LoggerConfig> = {}) {
    const { resolveConfig, createEntries } = await fresh(async () => ({
      resolveConfig: (await import('../../../src/agent/config')).resolveConfig,
      createEntries: (await import('../../../src/entry/build')).createEntries,
    }))
    const formatted: Entry[] = []
    const entries = createEntries(
      resolveConfig({ clientId: 'ui', format: (entry) => (formatted.push(entry), entry.message), ...config }),
      () => {},
    )
    return { entries, formatted }
  }
  const thrower = () => new TypeError('x is undefined')

  it('an error thrown 10,000 times: 10 lines, one count that adds up, and every marker logged between', async () => {
    const { entries, formatted } = await entriesWith()
    for (let i = 0; i < 10_000; i++) {
      entries.log('error', thrower())
      if (i % 1000 == 0) entries.log('info', 'marker ' + i)
    }
    entries.reportRepeats()
    const errors = formatted.filter((e) => e.message == 'TypeError: x is undefined')
    const summary = formatted.filter((e) => e.message.startsWith('horn-logger suppressed'))
    expect(errors).toHaveLength(10)
    expect(summary).toHaveLength(1)
    expect(summary[0].level).toBe('error')
    expect(summary[0].message).toMatch(/^horn-logger suppressed 9990 repeats of: TypeError: x is undefined \(.*repeats\.test\.ts:\d+:\d+\)?\)$/)
    expect(formatted.filter((e) => e.message.startsWith('marker'))).toHaveLength(10)
    expect(entries.logged).toBe(10 + 10 + 1)
  })

  it('the same message thrown from two places is two entries; the context does not count', async () => {
    const { entries, formatted } = await entriesWith({ repeatLimit: 1 })
    entries.log('error', new Error('same'))
    entries.log('error', new Error('same'))
    entries.log('info', 'm', { a: 1 })
    entries.log('info', 'm', { a: 2 })
    expect(formatted.map((e) => e.message)).toEqual(['Error: same', 'Error: same', 'm'])
  })

  it('repeatLimit: 0 turns it off', async () => {
    const { entries, formatted } = await entriesWith({ repeatLimit: 0 })
    for (let i = 0; i < 50; i++) entries.log('info', 'again')
    expect(formatted).toHaveLength(50)
  })

  it('reports when the minute ends, with no further call', async () => {
    const { entries, formatted } = await entriesWith({ repeatLimit: 2 })
    for (let i = 0; i < 5; i++) entries.log('warn', 'slow')
    vi.advanceTimersByTime(60_000)
    expect(formatted.at(-1)).toMatchObject({ level: 'warn', message: 'horn-logger suppressed 3 repeats of: slow' })
  })
})
