import { describe, expect, it } from 'vitest'
import { BODY_OVERHEAD_BYTES, cutBatch, sealBatch } from '../../../src/outbox/batch'
import { jsonStringBytes } from '../../../src/lib/text'

const utf8 = (s: string) => new TextEncoder().encode(s).length

describe('cutBatch', () => {
  it('takes everything when it fits', () => {
    expect(cutBatch([10, 10, 10], 0, 3, 1000, 100)).toBe(3)
  })

  it('stops before the item that would pass maxBytes', () => {
    const sizes = [100, 100, 100, 100]
    // overhead + 2 items fit exactly; the third does not.
    expect(cutBatch(sizes, 0, 4, BODY_OVERHEAD_BYTES + 200, 100)).toBe(2)
    expect(cutBatch(sizes, 0, 4, BODY_OVERHEAD_BYTES + 199, 100)).toBe(1)
  })

  it('stops at maxEntries', () => {
    expect(cutBatch(new Array(50).fill(1), 0, 50, 1_000_000, 7)).toBe(7)
    expect(cutBatch(new Array(50).fill(1), 10, 50, 1_000_000, 7)).toBe(17)
  })

  it('works from `from` to `to` only', () => {
    expect(cutBatch([1000, 1, 1, 1, 1000], 1, 4, 10_000, 100)).toBe(4)
  })

  it('always takes at least one item, even one over maxBytes', () => {
    expect(cutBatch([5000, 1], 0, 2, 1000, 100)).toBe(1)
    expect(cutBatch([5000], 0, 1, 1000, 100, 999)).toBe(1)
  })

  it('takes nothing when there is nothing', () => {
    expect(cutBatch([1, 2], 2, 2, 1000, 100)).toBe(2)
  })

  it('counts reserved bytes against maxBytes', () => {
    const sizes = [100, 100, 100]
    const max = BODY_OVERHEAD_BYTES + 300
    expect(cutBatch(sizes, 0, 3, max, 100)).toBe(3)
    expect(cutBatch(sizes, 0, 3, max, 100, 1)).toBe(2)
    expect(cutBatch(sizes, 0, 3, max, 100, 101)).toBe(1)
  })

  it('never gives a batch over maxBytes unless it is a single item', () => {
    const sizes = Array.from({ length: 300 }, (_, i) => ((i * 7919) % 900) + 1)
    for (let from = 0; from < sizes.length; ) {
      const to = cutBatch(sizes, from, sizes.length, 4096, 50, 30)
      expect(to).toBeGreaterThan(from)
      expect(to - from).toBeLessThanOrEqual(50)
      const bytes = BODY_OVERHEAD_BYTES + 30 + sizes.slice(from, to).reduce((a, b) => a + b, 0)
      if (to - from > 1) expect(bytes).toBeLessThanOrEqual(4096)
      // Greedy: one more would not have fitted.
      if (to < sizes.length && to - from < 50) expect(bytes + sizes[to]).toBeGreaterThan(4096)
      from = to
    }
  })
})

describe('sealBatch', () => {
  const seal = (index: number, time: number, lines: string[], count = lines.length) =>
    sealBatch(index, time, lines, count, lines.reduce((sum, line) => sum + jsonStringBytes(line), 0))

  it('makes a body that parses to {time, data, index}', () => {
    const lines = ['2026-11-27T10:00:00.000Z INFO a\n', '2026-11-27T10:00:00.001Z INFO b {"q":"\\"x\\""}\n']
    const batch = seal(3, 1795600000000, lines)
    expect(JSON.parse(batch.body)).toEqual({ time: 1795600000000, data: lines.join(''), index: 3 })
    expect(Object.keys(JSON.parse(batch.body))).toEqual(['time', 'data', 'index'])
    expect(batch).toMatchObject({ index: 3, count: 2 })
  })

  it('gives bytes equal to the UTF-8 length of the body, for any text', () => {
    const cases = [
      ['plain ascii\n'],
      ['café ñ\n', '日本語 €\n'],
      ['emoji 😀 👍🏽\n', 'tab\there "quoted" \\ back\n'],
      ['control \u0001\u001f\n', 'lone \ud800 surrogate\n'],
      [],
    ]
    for (const lines of cases) {
      const batch = seal(1234567, 1795600000123, lines)
      expect(batch.bytes).toBe(utf8(batch.body))
    }
  })

  it('stays within BODY_OVERHEAD_BYTES of the data for realistic times and indexes', () => {
    const batch = seal(9_999_999_999, 9_999_999_999_999, [])
    expect(batch.bytes).toBeLessThanOrEqual(BODY_OVERHEAD_BYTES)
  })

  it('keeps count as given (a notice line is not an entry)', () => {
    expect(seal(0, 1, ['notice\n', 'a\n'], 1).count).toBe(1)
  })
})
