/**
 * From `getStats()` reports to one compact summary per interval: a sample
 * keeps only the cumulative counters we need, and `summarize` turns two
 * samples into rates and percentages (deltas, never raw dumps). Pure: the
 * unit specs feed it plain objects.
 */

/** One entry of an `RTCStatsReport`, as far as we read it. */
export type StatsEntry = { id: string; type: string } & Record<string, unknown>

export type Kind = 'audio' | 'video'

/** The cumulative counters of one RTP stream at one moment. */
export interface StreamSample {
  kind: Kind
  bytes: number
  packets: number
  /** Inbound: packets lost. Outbound: lost as the remote end reported it (remote-inbound-rtp). */
  lost: number
  frames: number
  width: number
  height: number
  /** Seconds, as reported (inbound; for outbound, the remote end's view). */
  jitter: number
  limit: string
  /** Seconds spent limited by CPU / by bandwidth since the stream started (outbound video). */
  cpuLimited: number
  bandwidthLimited: number
  concealed: number
  samples: number
  freezes: number
  /** Seconds of frozen video (inbound). */
  frozen: number
  /** The encoder's current target, bits per second (outbound; not cumulative). */
  target: number
  /** Frames the capture source delivered, and its audio energy (outbound, from `media-source`; -1: not reported). */
  sourceFrames: number
  audioEnergy: number
  /** Seconds the encoder spent on its frames, and how many it encoded (outbound video). */
  encodeTime: number
  encoded: number
  /** The remote end's round trip on this stream, seconds (outbound; 0: none). */
  rtt: number
}

export interface CandidateSide {
  type: string
  protocol: string
  /** The STUN or TURN server this candidate came from (local srflx and relay candidates), as the browser reports it. */
  url?: string
  /** The transport to the TURN server when this side is a relay candidate (`udp`, `tcp`, `tls`). */
  relayProtocol?: string
}

/** What the selected candidate pair looks like: candidate types and protocols, never addresses. */
export interface PairSample {
  id: string
  local: CandidateSide
  remote: CandidateSide
  /** Seconds. */
  rtt?: number
  /** Bits per second. */
  availableOutgoing?: number
}

export interface Sample {
  /** Milliseconds (any monotonic origin). */
  time: number
  out: Record<string, StreamSample>
  in: Record<string, StreamSample>
  pair?: PairSample
}

/** Rates over one interval for one direction and kind (several streams, e.g. simulcast, added up). */
export interface FlowSummary {
  kbps: number
  packets: number
  lossPct?: number
  jitterMs?: number
  fps?: number
  res?: string
  /** `qualityLimitationReason` at the end of the interval, when not `none`. */
  limit?: string
  /** Share of the interval the encoder was limited by CPU / bandwidth, in %. */
  cpuPct?: number
  bandwidthPct?: number
  concealedPct?: number
  /** Video freezes (inbound) in the interval, and the share of it spent frozen, in %. */
  freezes?: number
  frozenPct?: number
  /** The encoder's target bitrate at the end of the interval (outbound video). */
  targetKbps?: number
  /** Frames per second the camera (or screen) delivered to the encoder (outbound video). */
  sourceFps?: number
  /** Encoder time per frame, ms (outbound video). */
  encodeMs?: number
  /** Audio energy the microphone delivered in the interval (outbound audio; absent when not reported). */
  energy?: number
  /** Round trip as the remote end's reports give it, ms (outbound). */
  rttMs?: number
  /** Seconds of the interval the video was frozen (inbound video). */
  frozenS?: number
}

export interface Summary {
  /** Length of the interval in seconds. */
  s: number
  /** Audio quality score (1–5, E-model) per direction, added by the connection. */
  mos?: { out?: number; in?: number }
  out: Partial<Record<Kind, FlowSummary>>
  in: Partial<Record<Kind, FlowSummary>>
  rttMs?: number
  availableOutKbps?: number
}

const num = (value: unknown): number => (typeof value == 'number' && isFinite(value) ? value : 0)
const str = (value: unknown): string => (typeof value == 'string' ? value : '')
const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits

function stream(entry: StatsEntry, lost: number, jitter: number, source: StatsEntry | undefined, rtt: number): StreamSample {
  const durations = (entry.qualityLimitationDurations ?? {}) as Record<string, unknown>
  return {
    sourceFrames: source && typeof source.frames == 'number' ? source.frames : -1,
    audioEnergy: source && typeof source.totalAudioEnergy == 'number' ? source.totalAudioEnergy : -1,
    encodeTime: num(entry.totalEncodeTime),
    encoded: num(entry.framesEncoded),
    rtt,
    kind: entry.kind === 'audio' ? 'audio' : 'video',
    bytes: num(entry.bytesSent ?? entry.bytesReceived),
    packets: num(entry.packetsSent ?? entry.packetsReceived),
    lost,
    // Sent frames for outbound, decoded (shown) frames for inbound.
    frames: num(entry.framesSent ?? entry.framesDecoded),
    width: num(entry.frameWidth),
    height: num(entry.frameHeight),
    jitter,
    limit: str(entry.qualityLimitationReason),
    cpuLimited: num(durations.cpu),
    bandwidthLimited: num(durations.bandwidth),
    concealed: num(entry.concealedSamples),
    samples: num(entry.totalSamplesReceived),
    freezes: num(entry.freezeCount),
    frozen: num(entry.totalFreezesDuration),
    target: num(entry.targetBitrate),
  }
}

function candidate(entry: StatsEntry | undefined): CandidateSide {
  const side: CandidateSide = { type: str(entry?.candidateType), protocol: str(entry?.protocol) }
  if (entry?.relayProtocol) side.relayProtocol = str(entry.relayProtocol)
  if (entry?.url) side.url = str(entry.url)
  return side
}

/** Keeps from a stats report the counters a summary needs. */
export function readSample(entries: Iterable<StatsEntry>, time: number): Sample {
  const byId = new Map<string, StatsEntry>()
  for (const entry of entries) byId.set(entry.id, entry)
  const sample: Sample = { time, out: {}, in: {} }
  // The remote end's receiver report on our outbound stream: loss and jitter as it sees them.
  const remoteInbound = new Map<string, StatsEntry>()
  for (const entry of byId.values()) if (entry.type === 'remote-inbound-rtp' && entry.localId) remoteInbound.set(str(entry.localId), entry)
  let pair: StatsEntry | undefined
  for (const entry of byId.values()) {
    if (entry.type === 'outbound-rtp') {
      const remote = remoteInbound.get(entry.id)
      sample.out[entry.id] = stream(entry, num(remote?.packetsLost), num(remote?.jitter), byId.get(str(entry.mediaSourceId)), num(remote?.roundTripTime))
    } else if (entry.type === 'inbound-rtp') {
      sample.in[entry.id] = stream(entry, num(entry.packetsLost), num(entry.jitter), undefined, 0)
    } else if (entry.type === 'transport' && entry.selectedCandidatePairId) {
      pair = byId.get(str(entry.selectedCandidatePairId))
    } else if (!pair && entry.type === 'candidate-pair' && entry.nominated && entry.state === 'succeeded') {
      // Firefox has no transport stats: the nominated, succeeded pair is the selected one.
      pair = entry
    }
  }
  if (pair) {
    sample.pair = {
      id: pair.id,
      local: candidate(byId.get(str(pair.localCandidateId))),
      remote: candidate(byId.get(str(pair.remoteCandidateId))),
    }
    if (typeof pair.currentRoundTripTime == 'number') sample.pair.rtt = pair.currentRoundTripTime
    if (typeof pair.availableOutgoingBitrate == 'number') sample.pair.availableOutgoing = pair.availableOutgoingBitrate
  }
  return sample
}

function flow(streams: Array<[StreamSample, StreamSample | undefined]>, seconds: number, inbound: boolean): FlowSummary {
  let bytes = 0
  let packets = 0
  let lost = 0
  let frames = 0
  let concealed = 0
  let samples = 0
  let freezes = 0
  let frozen = 0
  let target = 0
  let cpu = 0
  let bandwidth = 0
  let jitter = 0
  let sourceFrames = 0
  let energy = -1
  let encodeTime = 0
  let encoded = 0
  let rtt = 0
  let widest: StreamSample | undefined
  for (const [now, before] of streams) {
    // A counter that went down belongs to a new stream (a renegotiated SSRC): count it from 0.
    const delta = (key: keyof StreamSample) => {
      const value = now[key] as number
      const previous = (before?.[key] as number | undefined) ?? 0
      return value >= previous ? value - previous : value
    }
    bytes += delta('bytes')
    packets += delta('packets')
    lost += Math.max(0, delta('lost'))
    frames += delta('frames')
    concealed += delta('concealed')
    samples += delta('samples')
    freezes += delta('freezes')
    frozen = Math.max(frozen, delta('frozen'))
    target += now.target
    cpu = Math.max(cpu, delta('cpuLimited'))
    bandwidth = Math.max(bandwidth, delta('bandwidthLimited'))
    jitter = Math.max(jitter, now.jitter)
    // Simulcast layers share one source: its frames count once.
    sourceFrames = Math.max(sourceFrames, now.sourceFrames < 0 ? 0 : delta('sourceFrames'))
    if (now.audioEnergy >= 0) energy = Math.max(energy, 0) + delta('audioEnergy')
    encodeTime += delta('encodeTime')
    encoded += delta('encoded')
    rtt = Math.max(rtt, now.rtt)
    if (!widest || now.width > widest.width) widest = now
  }
  const summary: FlowSummary = { kbps: round((bytes * 8) / 1000 / seconds), packets }
  const sent = inbound ? packets + lost : packets
  if (sent > 0 && (inbound || lost > 0)) summary.lossPct = round((100 * lost) / sent, 1)
  if (jitter > 0) summary.jitterMs = round(jitter * 1000)
  if (rtt > 0) summary.rttMs = round(rtt * 1000)
  const kind = streams[0][0].kind
  if (kind === 'video') {
    summary.fps = round(frames / seconds, 1)
    if (widest?.width) summary.res = `${widest.width}x${widest.height}`
    if (!inbound) {
      const limit = streams.find(([now]) => now.limit && now.limit !== 'none')?.[0].limit
      if (limit) summary.limit = limit
      if (cpu > 0) summary.cpuPct = Math.min(100, round((100 * cpu) / seconds))
      if (bandwidth > 0) summary.bandwidthPct = Math.min(100, round((100 * bandwidth) / seconds))
      if (target > 0) summary.targetKbps = round(target / 1000)
      if (sourceFrames > 0) summary.sourceFps = round(sourceFrames / seconds, 1)
      if (encoded > 0) summary.encodeMs = round((1000 * encodeTime) / encoded, 1)
    } else if (freezes > 0 || frozen > 0) {
      summary.freezes = freezes
      summary.frozenPct = Math.min(100, round((100 * frozen) / seconds))
      summary.frozenS = round(Math.min(frozen, seconds), 1)
    }
  } else if (inbound && samples > 0) {
    summary.concealedPct = round((100 * concealed) / samples, 1)
  } else if (!inbound && energy >= 0) {
    summary.energy = round(energy, 3)
  }
  return summary
}

/** What changed between two samples of one connection, as rates over the interval. */
export function summarize(before: Sample, now: Sample): Summary {
  const seconds = Math.max(0.001, (now.time - before.time) / 1000)
  const summary: Summary = { s: round(seconds, 1), out: {}, in: {} }
  for (const direction of ['out', 'in'] as const) {
    for (const kind of ['audio', 'video'] as const) {
      const streams = Object.entries(now[direction])
        .filter(([, s]) => s.kind === kind)
        .map(([id, s]): [StreamSample, StreamSample | undefined] => [s, before[direction][id]])
      if (streams.length) summary[direction][kind] = flow(streams, seconds, direction === 'in')
    }
  }
  // The pair's round trip (ICE consent checks) where there is one; else the remote end's reports.
  const reported = summary.out.audio?.rttMs ?? summary.out.video?.rttMs
  if (now.pair?.rtt !== undefined) summary.rttMs = round(now.pair.rtt * 1000)
  else if (reported !== undefined) summary.rttMs = reported
  // Only where something is sent: a receive-only connection's estimate says nothing.
  if (now.pair?.availableOutgoing !== undefined && Object.keys(summary.out).length) summary.availableOutKbps = round(now.pair.availableOutgoing / 1000)
  return summary
}

/** `host/udp`, `relay/udp via tls`: how one side of the selected pair connects. */
export const describeCandidate = (side: CandidateSide) =>
  `${side.type || '?'}/${side.protocol || '?'}${side.relayProtocol ? ` via ${side.relayProtocol}` : ''}`
