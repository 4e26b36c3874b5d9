/**
 * An audio quality score (MOS, 1–5) from what the stats say of a stream, in
 * the E-model's simplified form that Twilio's preflight test and
 * webrtc-issue-detector use: the delay impairment from an effective latency
 * (round trip + twice the jitter + 10 ms of codec delay) and 2.5 R per
 * percent of packets lost. Pure.
 */
import type { FlowSummary, Summary } from './stats'

/** R of a perfect narrow-band call in the E-model (ITU-T G.107's default). */
const R_MAX = 93.2

/** MOS of one direction: `rttMs` round trip, `jitterMs`, `lossPct` percent of packets lost. */
export function mos(rttMs: number, jitterMs: number, lossPct: number): number {
  const latency = rttMs + 2 * jitterMs + 10
  // Delay hurts slowly up to 160 ms, then four times faster (G.107's knee).
  let r = R_MAX - (latency < 160 ? latency / 40 : (latency - 120) / 10) - 2.5 * lossPct
  r = Math.min(100, Math.max(0, r))
  const score = 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r)
  return Math.round(Math.min(4.5, Math.max(1, score)) * 10) / 10
}

/** The flow a score is read from: audio, or video on a connection without audio. */
export const scoredFlow = (flows: Summary['in']): FlowSummary | undefined => flows.audio ?? flows.video

/**
 * MOS per direction of one interval: `in` from what arrives (its loss and
 * jitter), `out` from the remote end's reports on what we send.
 */
export function audioMos(summary: Summary): Summary['mos'] {
  const score: NonNullable<Summary['mos']> = {}
  const rtt = summary.rttMs ?? 0
  for (const direction of ['out', 'in'] as const) {
    const flow = scoredFlow(summary[direction])
    if (flow && flow.packets > 0) score[direction] = mos(flow.rttMs ?? rtt, flow.jitterMs ?? 0, flow.lossPct ?? 0)
  }
  return score.out !== undefined || score.in !== undefined ? score : undefined
}
