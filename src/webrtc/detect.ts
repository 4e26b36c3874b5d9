/**
 * What one sample (about 2 s of a connection) shows: the conditions behind
 * each warning, read off that sample's summary and a few facts the stats do
 * not hold (the app's bitrate cap, the local tracks' state). Thresholds
 * follow webrtc-issue-detector and the E-model where they have one. Pure:
 * whether a condition becomes a warning is `warnings.ts`'s rule.
 */
import { scoredFlow } from './mos'
import type { FlowSummary, Summary } from './stats'

/** Round trips over this make conversation awkward (ITU-T G.114: one way over 200 ms). */
export const HIGH_RTT_MS = 400
/** Jitter over this outgrows the jitter buffer's comfortable range. */
export const HIGH_JITTER_MS = 30
/** Audio loss over this share of packets is audible. */
export const HIGH_LOSS_PCT = 3
/** Below this many packets in a sample, a loss percentage says little (audio: 50 a second). */
export const MIN_PACKETS_FOR_LOSS = 20
/** Under this score, people complain about the audio (MOS 3.5: "fair" to "good"). */
export const LOW_MOS = 3.5
/** Inbound video below this rate looks frozen. */
export const FROZEN_FPS = 2
/** Inbound video frozen (Chrome's freeze: a frame late by 3 average frame times, or 150 ms more) this share of a sample. */
export const FROZEN_PCT = 20
/** The encoder spent at least this share of the sample limited by CPU or bandwidth. */
export const LIMITED_PCT = 50
/** The encoder sends "clearly fewer" frames than its source delivers: under this share of them. */
export const FEWER_FRAMES = 0.75
/** The encoder runs at its ceiling when its target is within this factor of the app's cap or the network's estimate. */
export const AT_CEILING = 1.1
/** Encoding a frame takes this share of the source's frame interval: the CPU is the limit. */
export const BUSY_ENCODER = 0.8
/** While the encoder ramps up after connecting, it is limited by bandwidth by design: no warning. */
export const RAMP_UP_MS = 6000

export type WarningCode = 'high-rtt' | 'high-jitter' | 'high-loss' | 'low-mos' | 'frozen-video' | 'bandwidth-limited' | 'cpu-limited' | 'no-audio-input' | 'device-lost'

/** Facts about the connection the stats report does not hold. */
export interface SampleContext {
  /** Milliseconds since the connection first connected. */
  sinceConnectMs: number
  /** The app's `maxBitrate` on the video sender, bits per second. */
  appMaxBitrate?: number
  /** A local audio track is sent, live and enabled (so silence is a fault, not a choice). */
  audioInputLive?: boolean
  /** A sent track ended without the app stopping it. */
  deviceLost?: boolean
}

/** Each condition the sample shows, with the value behind it. */
export type Found = Partial<Record<WarningCode, number | string>>

/** The larger of two flows' jitter or loss. */
const worst = (a: FlowSummary | undefined, b: FlowSummary | undefined, key: 'jitterMs' | 'lossPct') => Math.max(a?.[key] ?? 0, b?.[key] ?? 0)

function encoder(video: FlowSummary, context: SampleContext, summary: Summary, found: Found): void {
  const fewer = !!video.sourceFps && video.sourceFps - (video.fps ?? 0) >= 2 && (video.fps ?? 0) < FEWER_FRAMES * video.sourceFps
  const ceiling = Math.min(context.appMaxBitrate ?? Infinity, (summary.availableOutKbps ?? Infinity) * 1000)
  const bandwidthApplies = !!video.targetKbps && video.targetKbps * 1000 * AT_CEILING >= ceiling
  const cpuApplies = !!video.sourceFps && !!video.encodeMs && video.encodeMs >= (BUSY_ENCODER * 1000) / video.sourceFps
  if ((video.bandwidthPct ?? 0) >= LIMITED_PCT || video.limit === 'bandwidth' || (fewer && bandwidthApplies)) {
    if (context.sinceConnectMs >= RAMP_UP_MS) found['bandwidth-limited'] = video.kbps
  }
  if ((video.cpuPct ?? 0) >= LIMITED_PCT || video.limit === 'cpu' || (fewer && cpuApplies)) found['cpu-limited'] = video.fps ?? 0
}

/** Every condition one sample shows. */
export function detect(summary: Summary, context: SampleContext): Found {
  const found: Found = {}
  const sent = scoredFlow(summary.out)
  const received = scoredFlow(summary.in)
  if ((summary.rttMs ?? 0) > HIGH_RTT_MS) found['high-rtt'] = summary.rttMs!
  const jitter = worst(sent, received, 'jitterMs')
  if (jitter > HIGH_JITTER_MS) found['high-jitter'] = jitter
  const counted = (flow: FlowSummary | undefined) => (flow && flow.packets >= MIN_PACKETS_FOR_LOSS ? flow : undefined)
  const loss = worst(counted(sent), counted(received), 'lossPct')
  if (loss > HIGH_LOSS_PCT) found['high-loss'] = loss
  const score = Math.min(summary.mos?.in ?? 5, summary.mos?.out ?? 5)
  if (score < LOW_MOS) found['low-mos'] = score
  const video = summary.in.video
  if (video && ((video.fps ?? 0) < FROZEN_FPS || (video.frozenPct ?? 0) >= FROZEN_PCT)) found['frozen-video'] = video.fps ?? 0
  if (summary.out.video) encoder(summary.out.video, context, summary, found)
  if (context.audioInputLive && summary.out.audio?.energy === 0) found['no-audio-input'] = 0
  if (context.deviceLost) found['device-lost'] = 1
  return found
}

/** Seconds of frozen video in a sample: the freezes Chrome counted, or all of it when frames (almost) stopped. */
export const frozenSeconds = (summary: Summary): number => {
  const video = summary.in.video
  if (!video) return 0
  return (video.fps ?? 0) < FROZEN_FPS ? summary.s : (video.frozenS ?? 0)
}
