/**
 * The pure parts of `horn-logger/webrtc`: samples read from stats reports,
 * summaries as deltas of cumulative counters, problems and their start/end,
 * ICE server URLs without credentials.
 */
import { describe, expect, it } from 'vitest'
import { describeCandidate, readSample, summarize, type StatsEntry } from '../../src/webrtc/stats'
import { changes, detect, problemKey, type Problem } from '../../src/webrtc/detect'
import { iceServerUrls } from '../../src/webrtc/connection'
import { errorText, describeError } from '../../src/webrtc/log'
import { patch } from '../../src/webrtc/patch'

/** A sender's report (outbound audio + video, the remote end's receiver report, the selected pair) after `t` seconds. */
function senderReport(t: number, over: { videoBytesPerS?: number; lost?: number; limited?: { cpu?: number; bandwidth?: number }; reason?: string; rtt?: number } = {}): StatsEntry[] {
  const videoBytesPerS = over.videoBytesPerS ?? 62_500 // 500 kbps
  return [
    { id: 'OA', type: 'outbound-rtp', kind: 'audio', bytesSent: 4000 * t, packetsSent: 50 * t },
    {
      id: 'OV',
      type: 'outbound-rtp',
      kind: 'video',
      bytesSent: videoBytesPerS * t,
      packetsSent: 60 * t,
      framesSent: 30 * t,
      frameWidth: 1280,
      frameHeight: 720,
      qualityLimitationReason: over.reason ?? 'none',
      qualityLimitationDurations: { none: t, cpu: over.limited?.cpu ?? 0, bandwidth: over.limited?.bandwidth ?? 0, other: 0 },
      targetBitrate: 600_000,
    },
    { id: 'RIV', type: 'remote-inbound-rtp', kind: 'video', localId: 'OV', packetsLost: over.lost ?? 0, jitter: 0.004, roundTripTime: 0.05 },
    { id: 'T', type: 'transport', selectedCandidatePairId: 'CP' },
    { id: 'CP', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', state: 'succeeded', nominated: true, currentRoundTripTime: over.rtt ?? 0.05, availableOutgoingBitrate: 1_500_000 },
    { id: 'L', type: 'local-candidate', candidateType: 'relay', protocol: 'udp', relayProtocol: 'tls', address: '192.0.2.10' },
    { id: 'R', type: 'remote-candidate', candidateType: 'srflx', protocol: 'udp', address: '198.51.100.7' },
  ]
}

/** A receiver's report: inbound audio and video after `t` seconds. */
function receiverReport(t: number, over: { lost?: number; frames?: number; frozen?: number; freezes?: number; packets?: number; concealed?: number } = {}): StatsEntry[] {
  return [
    { id: 'IA', type: 'inbound-rtp', kind: 'audio', bytesReceived: 4000 * t, packetsReceived: over.packets ?? 50 * t, packetsLost: 0, jitter: 0.002, concealedSamples: over.concealed ?? 0, totalSamplesReceived: 48_000 * t },
    {
      id: 'IV',
      type: 'inbound-rtp',
      kind: 'video',
      bytesReceived: 62_500 * t,
      packetsReceived: over.packets ?? 60 * t,
      packetsLost: over.lost ?? 0,
      jitter: 0.012,
      framesDecoded: over.frames ?? 30 * t,
      frameWidth: 640,
      frameHeight: 360,
      freezeCount: over.freezes ?? 0,
      totalFreezesDuration: over.frozen ?? 0,
    },
  ]
}

describe('readSample and summarize', () => {
  it('turns two samples of cumulative counters into per-interval rates, per direction and kind', () => {
    const summary = summarize(readSample(senderReport(10), 10_000), readSample(senderReport(20), 20_000))
    expect(summary).toEqual({
      s: 10,
      out: {
        audio: { kbps: 32, packets: 500 },
        video: { kbps: 500, packets: 600, jitterMs: 4, fps: 30, res: '1280x720', targetKbps: 600 },
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
    expect(summary.in.video).toEqual({ kbps: 500, packets: 600, lossPct: 9.9, jitterMs: 12, fps: 10, res: '640x360', freezes: 3, frozenPct: 20 })
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

describe('detect', () => {
  const summaryOf = (before: StatsEntry[], now: StatsEntry[]) => summarize(readSample(before, 0), readSample(now, 10_000))
  const codes = (problems: Problem[]) => problems.map(problemKey)

  it('finds nothing in a healthy call', () => {
    expect(detect(summaryOf(senderReport(10), senderReport(20)))).toEqual([])
    expect(detect(summaryOf(receiverReport(10), receiverReport(20)))).toEqual([])
  })

  it('flags high loss (above 5 %) in either direction, but not on a handful of packets', () => {
    expect(codes(detect(summaryOf(receiverReport(10), receiverReport(20, { lost: 40 }))))).toEqual(['high-loss in video'])
    expect(codes(detect(summaryOf(senderReport(10), senderReport(20, { lost: 60 }))))).toEqual(['high-loss out video'])
    // 3 lost of 20 packets is 13 %, yet too few packets to tell.
    expect(detect({ s: 10, out: {}, in: { audio: { kbps: 1, packets: 20, lossPct: 13 } } })).toEqual([])
  })

  it('flags a round trip from 250 ms', () => {
    expect(codes(detect(summaryOf(senderReport(10), senderReport(20, { rtt: 0.25 }))))).toEqual(['high-rtt connection'])
    expect(detect(summaryOf(senderReport(10), senderReport(20, { rtt: 0.249 })))).toEqual([])
  })

  it('flags frozen video: frames stopped, or frozen for 10 % of the interval', () => {
    expect(codes(detect(summaryOf(receiverReport(10), receiverReport(20, { frames: 300 + 5 }))))).toEqual(['frozen-video in video'])
    expect(codes(detect(summaryOf(receiverReport(10), receiverReport(20, { frozen: 1, freezes: 1 }))))).toEqual(['frozen-video in video'])
    expect(detect(summaryOf(receiverReport(10), receiverReport(20, { frozen: 0.5, freezes: 1 })))).toEqual([])
  })

  it('flags no inbound media when a stream received no packet in the interval', () => {
    const stalled = detect(summaryOf(receiverReport(10), receiverReport(10)))
    expect(codes(stalled)).toEqual(['no-inbound-media in audio', 'no-inbound-media in video'])
  })

  it('flags CPU- or bandwidth-limited sending from half the interval, or from the reason when durations are missing', () => {
    expect(codes(detect(summaryOf(senderReport(10), senderReport(20, { limited: { cpu: 5 } }))))).toEqual(['cpu-limited out video'])
    expect(detect(summaryOf(senderReport(10), senderReport(20, { limited: { cpu: 4 } })))).toEqual([])
    expect(codes(detect({ s: 10, out: { video: { kbps: 100, packets: 100, limit: 'bandwidth' } }, in: {} }))).toEqual(['bandwidth-limited out video'])
  })

  it('says when a problem starts and when it is over, once each', () => {
    const loss: Problem = { code: 'high-loss', where: 'in audio', value: 12 }
    const rtt: Problem = { code: 'high-rtt', where: 'connection', value: 300 }
    const active = new Map<string, Problem>()
    expect(changes(active, [loss])).toEqual({ started: [loss], ended: [] })
    active.set(problemKey(loss), loss)
    expect(changes(active, [{ ...loss, value: 20 }])).toEqual({ started: [], ended: [] })
    expect(changes(active, [rtt])).toEqual({ started: [rtt], ended: [loss] })
  })
})

describe('what never reaches the log', () => {
  it('keeps the ICE servers URLs and drops usernames and credentials', () => {
    const urls = iceServerUrls({
      iceServers: [
        { urls: 'stun:stun.example.com' },
        { urls: ['turn:turn.example.com?transport=udp', 'turns:turn.example.com:443'], username: 'u', credential: 'secret-value' },
      ],
    })
    expect(urls).toEqual(['stun:stun.example.com', 'turn:turn.example.com?transport=udp', 'turns:turn.example.com:443'])
    expect(iceServerUrls(undefined)).toEqual([])
  })

  it('describes an error by name, message and the constraint that failed', () => {
    const overconstrained = Object.assign(new Error(''), { name: 'OverconstrainedError', constraint: 'width' })
    expect(describeError(overconstrained)).toEqual({ name: 'OverconstrainedError', message: '', constraint: 'width' })
    expect(errorText(describeError(overconstrained))).toBe('OverconstrainedError (width)')
    expect(errorText(describeError(new DOMException('Permission denied', 'NotAllowedError')))).toBe('NotAllowedError: Permission denied')
    expect(describeError(undefined)).toEqual({ name: 'Error', message: 'undefined' })
  })
})

describe('patch', () => {
  class Base {
    hello() {
      return 'base'
    }
  }

  it('shadows an inherited method and removes the shadow on stop', () => {
    const target = new Base()
    const stop = patch(target, 'hello', (original) => () => `wrapped ${original.call(target)}`)
    expect(target.hello()).toBe('wrapped base')
    stop()
    expect(target.hello()).toBe('base')
    expect(Object.prototype.hasOwnProperty.call(target, 'hello')).toBe(false)
  })

  it('puts back an own method exactly, and leaves a later wrapper in place', () => {
    const own = () => 'own'
    const target = { hello: own }
    const stop = patch(target, 'hello', () => () => 'ours')
    stop()
    expect(target.hello).toBe(own)
    const again = patch(target, 'hello', () => () => 'ours')
    const theirs = () => 'theirs'
    target.hello = theirs
    again()
    expect(target.hello).toBe(theirs)
  })

  it('does nothing to what is not a function', () => {
    const target = { value: 1 } as Record<string, unknown>
    patch(target, 'value', () => () => 2)()
    patch(target, 'missing', () => () => 2)()
    expect(target).toEqual({ value: 1 })
  })
})
