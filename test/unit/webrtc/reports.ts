/** Stats reports as Chrome gives them, reduced to what the module reads: fixtures for the unit specs. */
import type { StatsEntry } from '../../../src/webrtc/stats'

/** A sender's report (outbound audio + video, the remote end's receiver report, the selected pair) after `t` seconds. */
export function senderReport(t: number, over: { videoBytesPerS?: number; lost?: number; limited?: { cpu?: number; bandwidth?: number }; reason?: string; rtt?: number } = {}): StatsEntry[] {
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
export function receiverReport(t: number, over: { lost?: number; frames?: number; frozen?: number; freezes?: number; packets?: number; concealed?: number } = {}): StatsEntry[] {
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

