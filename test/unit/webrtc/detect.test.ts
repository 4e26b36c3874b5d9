/** detect.ts: the conditions one sample shows, from fake samples. */
import { describe, expect, it } from 'vitest'
import { detect, frozenSeconds, RAMP_UP_MS, type SampleContext } from '../../../src/webrtc/detect'
import type { Summary } from '../../../src/webrtc/stats'

const upFor = (ms = 60_000): SampleContext => ({ sinceConnectMs: ms })
const audio = (over: object = {}) => ({ kbps: 30, packets: 100, jitterMs: 5, lossPct: 0, ...over })
const sample = (over: Partial<Summary> = {}): Summary => ({ s: 2, rttMs: 20, out: {}, in: { audio: audio() }, mos: { in: 4.4 }, ...over })

describe('detect', () => {
  it('finds nothing in a healthy sample', () => {
    expect(detect(sample(), upFor())).toEqual({})
  })

  it('high-rtt over 400 ms, high-jitter over 30 ms, high-loss over 3 %, low-mos under 3.5', () => {
    expect(detect(sample({ rttMs: 401 }), upFor())).toEqual({ 'high-rtt': 401 })
    expect(detect(sample({ rttMs: 400 }), upFor())).toEqual({})
    expect(detect(sample({ in: { audio: audio({ jitterMs: 31 }) } }), upFor())).toEqual({ 'high-jitter': 31 })
    expect(detect(sample({ in: { audio: audio({ lossPct: 3.1 }) } }), upFor())).toEqual({ 'high-loss': 3.1 })
    expect(detect(sample({ mos: { in: 3.4 } }), upFor())).toEqual({ 'low-mos': 3.4 })
    expect(detect(sample({ mos: { in: 4.4, out: 3.4 } }), upFor())).toEqual({ 'low-mos': 3.4 })
  })

  it('reads jitter and loss from audio, from video only without audio, and ignores loss on a handful of packets', () => {
    expect(detect(sample({ in: { audio: audio(), video: { kbps: 300, packets: 100, fps: 30, jitterMs: 80, lossPct: 10 } } }), upFor())).toEqual({})
    expect(detect(sample({ in: { video: { kbps: 300, packets: 100, fps: 30, jitterMs: 80 } } }), upFor())).toEqual({ 'high-jitter': 80 })
    expect(detect(sample({ in: { audio: audio({ packets: 10, lossPct: 20 }) } }), upFor())).toEqual({})
  })

  it('frozen-video: frames (almost) stopped, or frozen a fifth of the sample', () => {
    const video = (fps: number, frozenPct?: number) => sample({ in: { audio: audio(), video: { kbps: 300, packets: 100, fps, ...(frozenPct !== undefined && { frozenPct, frozenS: (frozenPct / 100) * 2 }) } } })
    expect(detect(video(1), upFor())).toEqual({ 'frozen-video': 1 })
    expect(detect(video(25, 25), upFor())).toEqual({ 'frozen-video': 25 })
    expect(detect(video(25, 10), upFor())).toEqual({})
    expect(frozenSeconds(video(1))).toBe(2)
    expect(frozenSeconds(video(25, 25))).toBe(0.5)
  })

  it('bandwidth-limited: the browser says so, or fewer frames than the source while the encoder is at its ceiling; never during ramp-up', () => {
    const sending = (video: object, over: Partial<Summary> = {}) => sample({ out: { audio: audio(), video: { kbps: 75, packets: 50, fps: 10, sourceFps: 20, targetKbps: 75, ...video } }, availableOutKbps: 3000, ...over })
    expect(detect(sending({ limit: 'bandwidth' }), upFor())).toMatchObject({ 'bandwidth-limited': 75 })
    expect(detect(sending({ bandwidthPct: 60 }), upFor())).toMatchObject({ 'bandwidth-limited': 75 })
    // The app capped it at 75 kbps: the encoder at that ceiling drops frames.
    expect(detect(sending({}), { ...upFor(), appMaxBitrate: 75_000 })).toEqual({ 'bandwidth-limited': 75 })
    // The same frame drop, far under the ceiling: not bandwidth.
    expect(detect(sending({}), upFor())).toEqual({})
    // As many frames as the source: not limited.
    expect(detect(sending({ fps: 19 }), { ...upFor(), appMaxBitrate: 75_000 })).toEqual({})
    expect(detect(sending({ limit: 'bandwidth' }), upFor(RAMP_UP_MS - 1))).toEqual({})
  })

  it('cpu-limited: the browser says so, or fewer frames than the source while encoding takes most of each frame interval', () => {
    const sending = (video: object) => sample({ out: { video: { kbps: 500, packets: 50, fps: 10, sourceFps: 30, targetKbps: 1500, ...video } }, in: {}, availableOutKbps: 3000 })
    expect(detect(sending({ limit: 'cpu' }), upFor())).toEqual({ 'cpu-limited': 10 })
    expect(detect(sending({ cpuPct: 80 }), upFor())).toEqual({ 'cpu-limited': 10 })
    expect(detect(sending({ encodeMs: 30 }), upFor())).toEqual({ 'cpu-limited': 10 })
    expect(detect(sending({ encodeMs: 5 }), upFor())).toEqual({})
    // The CPU limit is no ramp-up artefact: it counts from the start.
    expect(detect(sending({ limit: 'cpu' }), upFor(0))).toEqual({ 'cpu-limited': 10 })
  })

  it('no-audio-input: a live, enabled microphone that delivered no energy; device-lost: a sent track ended by itself', () => {
    const silent = sample({ out: { audio: audio({ energy: 0 }) } })
    expect(detect(silent, { ...upFor(), audioInputLive: true })).toEqual({ 'no-audio-input': 0 })
    // Muted or disabled by the app: silence is a choice.
    expect(detect(silent, upFor())).toEqual({})
    expect(detect(sample({ out: { audio: audio({ energy: 0.2 }) } }), { ...upFor(), audioInputLive: true })).toEqual({})
    expect(detect(sample(), { ...upFor(), deviceLost: true })).toEqual({ 'device-lost': 1 })
  })
})
