/**
 * `horn-logger/webrtc`: every call in the page leaves a compact trail in the
 * app session's log, through the logger it is given (levels, redaction,
 * batching, exactly-once all apply). An entry of its own: the core agent
 * never imports it.
 *
 * @example
 * import { createLogger } from 'horn-logger'
 * import { instrumentWebRTC } from 'horn-logger/webrtc'
 * const logger = createLogger({ clientId: 'conference-ui' })
 * const webrtc = instrumentWebRTC(logger)
 * // … later, to undo the wrapping:
 * webrtc.stop()
 */
import { safe, warnOnce } from '../lib/console'
import { trackConnection, type Say } from './connection'
import type { WebRTCLogger } from './log'
import { instrumentMedia } from './media'

export type { WebRTCLogger } from './log'
export type { Summary, FlowSummary } from './stats'
export type { Problem, ProblemCode } from './detect'

export interface WebRTCOptions {
  /**
   * Milliseconds between two stats lines of a connected peer connection
   * (one more comes at close). At least 1000.
   * @default 10000
   */
  statsInterval?: number
}

export interface WebRTCInstrumentation {
  /** Restores `RTCPeerConnection` and the media-device calls, and stops following every connection. */
  stop(): void
}

/** Stats polling cost is one `getStats()` per connection per interval: not more than once a second. */
const MIN_STATS_INTERVAL_MS = 1000
const DEFAULT_STATS_INTERVAL_MS = 10_000

/** Connection ids (`pc1`, `pc2`, …) run on across instrumentations, so one page's log never reuses one. */
let connections = 0
let current: WebRTCInstrumentation | undefined

/**
 * Wraps `RTCPeerConnection` (connections made from now on) and
 * `navigator.mediaDevices` (`getUserMedia`, `getDisplayMedia`,
 * `enumerateDevices`, `devicechange`) and logs, per connection: lifecycle,
 * failures, the selected candidate pair, one stats line every
 * `statsInterval` and detected problems. Never throws; calling it again
 * while active returns the active instrumentation.
 */
export function instrumentWebRTC(logger: WebRTCLogger, options: WebRTCOptions = {}): WebRTCInstrumentation {
  // A tab outside the sample logs nothing: no wrapping, no stats polling for lines that would go nowhere.
  if ((logger as { sampled?: boolean }).sampled === false) return { stop() {} }
  if (current) {
    warnOnce('instrumentWebRTC: already active; the first instrumentation is kept')
    return current
  }
  const requested = Number(options.statsInterval ?? DEFAULT_STATS_INTERVAL_MS)
  const statsInterval = Math.max(MIN_STATS_INTERVAL_MS, requested) || DEFAULT_STATS_INTERVAL_MS
  if (statsInterval !== requested) warnOnce(`instrumentWebRTC: statsInterval ${options.statsInterval} is not a number of ms from ${MIN_STATS_INTERVAL_MS}; using ${statsInterval}`)
  const connectionStops = new Set<() => void>()
  const say: Say = (level, what, context) => logger[level](`webrtc ${what}`, context)
  const stops: Array<() => void> = []

  const Native = typeof window == 'object' ? window.RTCPeerConnection : undefined
  /** False after stop(): the constructor only passes through, and local tracks' listeners say nothing. */
  let active = true
  if (typeof Native == 'function') safe(() => {
    // A function, not a subclass: instances stay native objects, `prototype` is the
    // native one (so `instanceof` holds both ways and prototype patches still apply),
    // and `new.target` passes through, so an app's own subclass keeps its prototype.
    const Wrapped = function RTCPeerConnection(this: unknown, ...args: unknown[]) {
      if (!new.target) return Reflect.apply(Native, this, args) // throws the native TypeError
      const pc = Reflect.construct(Native, args, new.target) as RTCPeerConnection
      if (active) {
        safe(() => {
          const id = `pc${++connections}`
          const stop = trackConnection(pc, id, args[0] as RTCConfiguration | undefined, logger, statsInterval, () => connectionStops.delete(stop))
          connectionStops.add(stop)
        })()
      }
      return pc
    } as unknown as typeof RTCPeerConnection
    Wrapped.prototype = Native.prototype
    // Static members (generateCertificate) come from the native constructor.
    Object.setPrototypeOf(Wrapped, Native)
    window.RTCPeerConnection = Wrapped
    stops.push(() => {
      // Someone wrapped over us: leave theirs; ours now only passes through.
      if (window.RTCPeerConnection === Wrapped) window.RTCPeerConnection = Native
    })
  })()
  stops.push(safe(() => instrumentMedia(say, () => active), () => {})())

  const handle: WebRTCInstrumentation = {
    stop: safe(() => {
      if (current !== handle) return
      current = undefined
      active = false
      stops.forEach((s) => s())
      connectionStops.forEach((s) => s())
    }),
  }
  current = handle
  return handle
}
