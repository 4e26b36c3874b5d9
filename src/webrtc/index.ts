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
import { listen } from '../lib/listen'
import { watchApp } from './app'
import { trackConnection, type TrackedConnection } from './connection'
import { createDeviceNames } from './devices'
import type { WebRTCLogger } from './log'
import { instrumentMedia } from './media'
import type { Say } from './say'

export type { WebRTCLogger } from './log'
export type { Summary, FlowSummary } from './stats'
export type { WarningCode } from './detect'

export interface WebRTCOptions {
  /**
   * Milliseconds between two stats lines of a connected peer connection
   * (one more comes at close). At least 1000. Warnings do not wait for it:
   * stats are sampled every 2 s (or every `statsInterval`, if shorter).
   * @default 10000
   */
  statsInterval?: number
}

export interface WebRTCInstrumentation {
  /** Restores `RTCPeerConnection` and the media-device calls, and stops following every connection. */
  stop(): void
}

/** Sampling costs one `getStats()` per connection per sample: never more than once a second. */
const MIN_STATS_INTERVAL_MS = 1000
const DEFAULT_STATS_INTERVAL_MS = 10_000
/** How often stats are sampled for warnings: a warning starts within two samples (~4 s) of its cause. */
const SAMPLE_PERIOD_MS = 2000

/** Connection ids (`pc1`, `pc2`, …) run on across instrumentations, so one page's log never reuses one. */
let connectionCount = 0
let current: WebRTCInstrumentation | undefined

/**
 * Wraps `RTCPeerConnection` (connections made from now on) and
 * `navigator.mediaDevices` (`getUserMedia`, `getDisplayMedia`,
 * `enumerateDevices`, `devicechange`), watches what the app does to its
 * media (`setParameters`, `applyConstraints`, `enabled`, `stop()`) and logs,
 * per connection: a setup line, the state changes that matter, ICE
 * conclusions, one stats line with the audio MOS every `statsInterval`,
 * warnings as they start and end, and a summary at close or page exit.
 * Never throws; calling it again while active returns the active
 * instrumentation.
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
  const connections = new Map<RTCPeerConnection, TrackedConnection>()
  const say: Say = (level, what, context) => logger[level](`webrtc ${what}`, context)
  const stops: Array<() => void> = []
  const names = createDeviceNames()
  /** The connection a sender belongs to: the app's setParameters is that connection's line. */
  const sayFor = (sender: RTCRtpSender): Say => {
    for (const [pc, tracked] of connections) if (pc.getSenders().includes(sender)) return tracked.say
    return say
  }
  const app = watchApp(say, sayFor, names, () => active)
  stops.push(app.stop)
  // Page exit: each connected call's summary, as its close will not come.
  if (typeof window == 'object') stops.push(listen(window, 'pagehide', safe(() => connections.forEach((c) => c.summarize('summary at page exit')))))

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
          const id = `pc${++connectionCount}`
          const tracked = trackConnection(pc, id, args[0] as RTCConfiguration | undefined, logger, { statsInterval, samplePeriod: Math.min(SAMPLE_PERIOD_MS, statsInterval), app }, () => connections.delete(pc))
          connections.set(pc, tracked)
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
  stops.push(safe(() => instrumentMedia(say, () => active, names), () => {})())

  const handle: WebRTCInstrumentation = {
    stop: safe(() => {
      if (current !== handle) return
      current = undefined
      active = false
      stops.forEach((s) => s())
      connections.forEach((c) => c.stop())
    }),
  }
  current = handle
  return handle
}
