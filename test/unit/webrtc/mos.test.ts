/** mos.ts: the E-model score from round trip, jitter and loss. */
import { describe, expect, it } from 'vitest'
import { audioMos, mos } from '../../../src/webrtc/mos'

describe('mos', () => {
  it('scores a clean call at the top of the scale (4.4: the E-model maximum for narrow-band)', () => {
    expect(mos(20, 2, 0)).toBe(4.4)
    expect(mos(0, 0, 0)).toBe(4.4)
  })

  it('falls with delay, slowly up to 160 ms of effective latency and fast after it', () => {
    expect(mos(100, 5, 0)).toBeGreaterThanOrEqual(4.3)
    expect(mos(300, 10, 0)).toBeLessThan(4.2)
    expect(mos(600, 50, 0)).toBeLessThan(3)
  })

  it('falls with loss: 2.5 R per percent', () => {
    expect(mos(20, 2, 1)).toBeGreaterThanOrEqual(4.3)
    expect(mos(20, 2, 5)).toBe(4)
    expect(mos(20, 2, 12)).toBeLessThan(3.5)
    expect(mos(20, 2, 30)).toBeLessThan(2)
  })

  it('stays within 1 and 4.5 whatever it is fed', () => {
    expect(mos(10_000, 1000, 100)).toBe(1)
    expect(mos(-50, -5, -3)).toBeLessThanOrEqual(4.5)
  })

  it('scores each direction of an interval from its audio flow, video when there is no audio', () => {
    expect(audioMos({ s: 2, rttMs: 20, out: { audio: { kbps: 30, packets: 100, jitterMs: 2 } }, in: { audio: { kbps: 30, packets: 100, jitterMs: 60, lossPct: 12 } } })).toEqual({ out: 4.4, in: expect.any(Number) })
    expect(audioMos({ s: 2, rttMs: 20, out: {}, in: { audio: { kbps: 30, packets: 100, jitterMs: 60, lossPct: 12 } } })!.in).toBeLessThan(3.5)
    expect(audioMos({ s: 2, out: {}, in: { video: { kbps: 300, packets: 100 } } })).toEqual({ in: 4.4 })
    // Nothing flowed: no score rather than a perfect one.
    expect(audioMos({ s: 2, out: {}, in: { audio: { kbps: 0, packets: 0 } } })).toBeUndefined()
  })
})
