/**
 * Problems worth a `warn` line, read off one interval's summary. Thresholds
 * are the ones webrtc-issue-detector uses where it has one (loss above 5 %,
 * RTT from 250 ms); the rest are ours and named below. Pure.
 */
import type { FlowSummary, Kind, Summary } from './stats'

/** Loss above this share of packets is audible / visible (webrtc-issue-detector: 5 %). */
export const HIGH_LOSS_PCT = 5
/** Below this many packets in an interval, a loss percentage says little. */
export const MIN_PACKETS_FOR_LOSS = 50
/** Round trips from this long make conversation awkward (webrtc-issue-detector: 250 ms). */
export const HIGH_RTT_MS = 250
/** Inbound video below this rate looks frozen. */
export const FROZEN_FPS = 2
/** Inbound video frozen (Chrome's freeze: a frame late by 3 average frame times, or 150 ms more) this share of the interval. */
export const FROZEN_PCT = 10
/** The encoder spent at least this share of the interval limited by CPU or bandwidth. */
export const LIMITED_PCT = 50

export type ProblemCode = 'high-loss' | 'high-rtt' | 'frozen-video' | 'cpu-limited' | 'bandwidth-limited' | 'no-inbound-media'

export interface Problem {
  code: ProblemCode
  /** `out video`, `in audio`, or `connection`: one problem per code and where, so it can start and end. */
  where: string
  /** The measured value behind it, for the line's context. */
  value: number | string
}

/** A problem's identity across intervals. */
export const problemKey = (p: Problem) => `${p.code} ${p.where}`

function flowProblems(direction: 'out' | 'in', kind: Kind, flow: FlowSummary, found: Problem[]): void {
  const where = `${direction} ${kind}`
  if (flow.lossPct !== undefined && flow.lossPct > HIGH_LOSS_PCT && flow.packets >= MIN_PACKETS_FOR_LOSS) found.push({ code: 'high-loss', where, value: flow.lossPct })
  if (direction === 'in') {
    if (flow.packets === 0) found.push({ code: 'no-inbound-media', where, value: 0 })
    else if (kind === 'video' && ((flow.fps ?? 0) < FROZEN_FPS || (flow.frozenPct ?? 0) >= FROZEN_PCT)) {
      // The share of the interval frozen; video that (almost) stopped counts as frozen throughout.
      found.push({ code: 'frozen-video', where, value: (flow.fps ?? 0) < FROZEN_FPS ? 100 : (flow.frozenPct ?? 0) })
    }
    return
  }
  // The share of time limited when the browser reports it (Chrome); otherwise the reason at the end.
  const cpu = flow.cpuPct ?? (flow.limit === 'cpu' ? 100 : 0)
  const bandwidth = flow.bandwidthPct ?? (flow.limit === 'bandwidth' ? 100 : 0)
  if (cpu >= LIMITED_PCT) found.push({ code: 'cpu-limited', where, value: cpu })
  if (bandwidth >= LIMITED_PCT) found.push({ code: 'bandwidth-limited', where, value: bandwidth })
}

/** Every problem the interval shows. */
export function detect(summary: Summary): Problem[] {
  const found: Problem[] = []
  for (const direction of ['out', 'in'] as const) {
    for (const kind of ['audio', 'video'] as const) {
      const flow = summary[direction][kind]
      if (flow) flowProblems(direction, kind, flow, found)
    }
  }
  if (summary.rttMs !== undefined && summary.rttMs >= HIGH_RTT_MS) found.push({ code: 'high-rtt', where: 'connection', value: summary.rttMs })
  return found
}

/**
 * Which problems began and which ended since the last interval, so a
 * problem that lasts a minute is two lines (started, over), not six.
 */
export function changes(active: ReadonlyMap<string, Problem>, found: Problem[]): { started: Problem[]; ended: Problem[] } {
  const now = new Map(found.map((p) => [problemKey(p), p]))
  return {
    started: found.filter((p) => !active.has(problemKey(p))),
    ended: [...active].filter(([key]) => !now.has(key)).map(([, p]) => p),
  }
}
