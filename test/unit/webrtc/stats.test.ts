/** stats.ts: samples read from stats reports, summaries as deltas of cumulative counters. */
import { describe, expect, it } from 'vitest'
import { describeCandidate, readSample, summarize, type StatsEntry } from '../../../src/webrtc/stats'
import { receiverReport, senderReport } from './reports'

describe('readSample and summarize', () => {
  it('turns two samples of cumulative counters into per-interval rates, per direction and kind', () => {
    const summary = summarize(readSample(senderReport(10), 10_000), readSample(senderReport(20), 20_000))
    expect(summary).toEqual({
      s: 10,
      out: {
        audio: { kbps: 32, packets: 500 },
        video: { kbps: 500, packets: 600, jitterMs: 4, rttMs: 50, fps: 30, res: '1280x720', targetKbps: 600 },
      },
      in: {},
      rttMs: 50,
      availableOutKbps: 1500,
    })
  })

  it('computes inbound loss, jitter, frame rate, freezes and audio concealment from deltas, not totals', () => {
    const before = readSample(receiverReport(10, { lost: 100, frozen: 1, freezes: 2, concealed: 4800 }), 0)
    const now = readSample(receiverReport(20, { lost: 166, frames: 30 * 10 + 100, frozen: 3, freezes: 5, concealed: 14_400 }), 10_000)
    const summary = summarize(before, now)
    // 66 lost of 600 received + 66 lost in the interval; the 100 lost before do not count.
    expect(summary.in.video).toEqual({ kbps: 500, packets: 600, lossPct: 9.9, jitterMs: 12, fps: 10, res: '640x360', freezes: 3, frozenPct: 20, frozenS: 2 })
    // 9600 of 480,000 samples concealed in the interval: 2 %.
    expect(summary.in.audio).toEqual({ kbps: 32, packets: 500, lossPct: 0, jitterMs: 2, concealedPct: 2 })
  })

  it('reports outbound loss from the remote receiver report, and the share of time the encoder was limited', () => {
    const summary = summarize(
      readSample(senderReport(10, { lost: 0, limited: { bandwidth: 1 } }), 0),
      readSample(senderReport(20, { lost: 60, limited: { bandwidth: 8 }, reason: 'bandwidth' }), 10_000),
    )
    expect(summary.out.video).toMatchObject({ lossPct: 10, limit: 'bandwidth', bandwidthPct: 70 })
    expect(summary.out.video?.cpuPct).toBeUndefined()
  })

  it('counts a stream that restarted (counters went down) from zero instead of going negative', () => {
    const summary = summarize(readSample(senderReport(100), 0), readSample(senderReport(5), 10_000))
    expect(summary.out.video?.kbps).toBe(250)
    expect(summary.out.video?.packets).toBe(300)
  })

  it('adds up simulcast layers and shows the widest resolution', () => {
    const layers = (t: number): StatsEntry[] => [
      { id: 'q', type: 'outbound-rtp', kind: 'video', bytesSent: 12_500 * t, packetsSent: 20 * t, framesSent: 15 * t, frameWidth: 320, frameHeight: 180 },
      { id: 'f', type: 'outbound-rtp', kind: 'video', bytesSent: 125_000 * t, packetsSent: 120 * t, framesSent: 30 * t, frameWidth: 1280, frameHeight: 720 },
    ]
    const summary = summarize(readSample(layers(1), 0), readSample(layers(2), 1000))
    expect(summary.out.video).toMatchObject({ kbps: 1100, packets: 140, res: '1280x720' })
  })

  it('describes the selected candidate pair by type and protocol only, never addresses', () => {
    const sample = readSample(senderReport(1), 0)
    expect(sample.pair).toMatchObject({ id: 'CP', local: { type: 'relay', protocol: 'udp', relayProtocol: 'tls' }, remote: { type: 'srflx', protocol: 'udp' } })
    expect(JSON.stringify(sample.pair)).not.toMatch(/192\.0\.2|198\.51/)
    expect(describeCandidate(sample.pair!.local)).toBe('relay/udp via tls')
    expect(describeCandidate(sample.pair!.remote)).toBe('srflx/udp')
  })

  it('finds the pair without transport stats (Firefox): the nominated, succeeded one', () => {
    const report = senderReport(1).filter((e) => e.type !== 'transport')
    expect(readSample(report, 0).pair?.id).toBe('CP')
  })

  it('leaves out the outgoing bandwidth estimate on a receive-only connection', () => {
    const report = (t: number) => [...receiverReport(t), ...senderReport(t).filter((e) => e.type !== 'outbound-rtp')]
    expect(summarize(readSample(report(1), 0), readSample(report(2), 1000)).availableOutKbps).toBeUndefined()
  })
})

describe('the encoder and the microphone', () => {
  const withSource = (t: number, sourceFps: number, sentFps: number, energy: number): StatsEntry[] => [
    { id: 'OA', type: 'outbound-rtp', kind: 'audio', bytesSent: 4000 * t, packetsSent: 50 * t, mediaSourceId: 'SA' },
    { id: 'OV', type: 'outbound-rtp', kind: 'video', bytesSent: 10_000 * t, packetsSent: 20 * t, framesSent: sentFps * t, framesEncoded: sentFps * t, totalEncodeTime: 0.004 * sentFps * t, mediaSourceId: 'SV' },
    { id: 'SA', type: 'media-source', kind: 'audio', totalAudioEnergy: energy * t, audioLevel: 0.1 },
    { id: 'SV', type: 'media-source', kind: 'video', frames: sourceFps * t },
  ]

  it('reads the source frame rate, the encode time per frame and the microphone energy', () => {
    const summary = summarize(readSample(withSource(1, 30, 10, 0.5), 0), readSample(withSource(3, 30, 10, 0.5), 2000))
    expect(summary.out.video).toMatchObject({ fps: 10, sourceFps: 30, encodeMs: 4 })
    expect(summary.out.audio?.energy).toBe(1)
  })

  it('says the microphone delivered nothing (energy 0), and nothing at all where there is no media-source', () => {
    expect(summarize(readSample(withSource(1, 30, 30, 0), 0), readSample(withSource(3, 30, 30, 0), 2000)).out.audio?.energy).toBe(0)
    const bare = (t: number): StatsEntry[] => [{ id: 'OA', type: 'outbound-rtp', kind: 'audio', bytesSent: 4000 * t, packetsSent: 50 * t }]
    expect(summarize(readSample(bare(1), 0), readSample(bare(2), 1000)).out.audio?.energy).toBeUndefined()
  })
})
