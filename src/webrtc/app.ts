/**
 * What the app itself did to its media, so a reader can tell an app-imposed
 * limit from the network's: `setParameters` changes of `maxBitrate`,
 * `scaleResolutionDownBy` and `active`, `applyConstraints`, tracks the app
 * disables, enables or stops. Patches the prototypes once per
 * instrumentation; `stop()` puts them back.
 */
import { safe } from '../lib/console'
import type { Say } from './say'
import { cleanConstraints, type DeviceNames } from './devices'
import { describeError, errorText } from './log'
import { patch } from './patch'

/** The encoding fields an app changes to limit what is sent. */
const ENCODING_FIELDS = ['maxBitrate', 'scaleResolutionDownBy', 'active'] as const
type Encoding = Partial<Record<(typeof ENCODING_FIELDS)[number], unknown>>

export interface AppActions {
  /** The app's `maxBitrate` on a sender (the lowest of its encodings), bits per second. */
  maxBitrate(sender: RTCRtpSender): number | undefined
  /** The app stopped this track (so its end is no lost device). */
  stopped(track: MediaStreamTrack): boolean
  stop(): void
}

/** A `maxBitrate` in the message: `75 kbps`. */
const value = (field: string, v: unknown) => (field === 'maxBitrate' && typeof v == 'number' ? `${Math.round(v / 1000)} kbps` : String(v ?? 'unset'))

/**
 * `sayFor(sender)` finds the connection a sender belongs to (its `say`), or
 * the page's when none.
 */
export function watchApp(say: Say, sayFor: (sender: RTCRtpSender) => Say, names: DeviceNames, isActive: () => boolean): AppActions {
  const applied = new WeakMap<RTCRtpSender, Encoding[]>()
  const stoppedTracks = new WeakSet<MediaStreamTrack>()
  const stops: Array<() => void> = []
  const Sender = typeof RTCRtpSender == 'function' ? RTCRtpSender.prototype : undefined
  const Track = typeof MediaStreamTrack == 'function' ? MediaStreamTrack.prototype : undefined
  const trackName = (track: MediaStreamTrack) => `${track.kind} track (${names.nameOf(track)})`

  if (Sender) {
    stops.push(patch(Sender, 'setParameters', (original) => function (this: RTCRtpSender, ...args: unknown[]) {
      const result = original.apply(this, args) as Promise<void>
      // Never getParameters() here: it would renew the transaction id the app's call must match.
      const asked = safe(() => Array.from((args[0] as RTCRtpSendParameters | undefined)?.encodings ?? [], (e) => ({ ...e }) as Encoding), [])()
      Promise.resolve(result).then(safe(() => {
        if (!isActive()) return
        const before = applied.get(this) ?? []
        applied.set(this, asked)
        const changes: string[] = []
        const context: Record<string, unknown>[] = []
        asked.forEach((encoding, i) => {
          for (const field of ENCODING_FIELDS) {
            const was = before[i]?.[field] ?? (field === 'active' ? true : undefined)
            const now = encoding[field] ?? (field === 'active' ? true : undefined)
            if (was === now || (field === 'scaleResolutionDownBy' && (was ?? 1) === (now ?? 1))) continue
            changes.push(`${asked.length > 1 ? `#${i} ` : ''}${field} ${value(field, now)}`)
            context.push({ encoding: i, [field]: now ?? null, was: was ?? null })
          }
        })
        if (changes.length) sayFor(this)('info', `app set ${this.track?.kind ?? 'sender'} sender ${changes.join(', ')}`, { app: 'setParameters', changes: context })
      }), () => {})
      return result
    }))
  }
  if (Track) {
    stops.push(patch(Track, 'applyConstraints', (original) => function (this: MediaStreamTrack, ...args: unknown[]) {
      const result = original.apply(this, args) as Promise<void>
      const constraints = safe(cleanConstraints)(args[0])
      Promise.resolve(result).then(
        safe(() => isActive() && say('info', `app applyConstraints on ${trackName(this)}`, { app: 'applyConstraints', constraints })),
        safe((error: unknown) => isActive() && say('warn', `app applyConstraints on ${trackName(this)} failed: ${errorText(describeError(error))}`, { app: 'applyConstraints', constraints, error: describeError(error) })),
      )
      return result
    }))
    stops.push(patch(Track, 'stop', (original) => function (this: MediaStreamTrack) {
      if (this.readyState === 'live' && !stoppedTracks.has(this)) {
        stoppedTracks.add(this)
        // A remote track "stopped" at the end of a call says nothing; a local one is the app ending capture.
        if (isActive() && this.getSettings?.().deviceId !== undefined) say('info', `app stopped ${trackName(this)}`, { app: 'stop' })
      }
      return original.apply(this)
    }))
    const enabled = Object.getOwnPropertyDescriptor(Track, 'enabled')
    if (enabled?.set && enabled.get && enabled.configurable) {
      const { get, set } = enabled
      Object.defineProperty(Track, 'enabled', {
        ...enabled,
        set(this: MediaStreamTrack, on: boolean) {
          const was = get.call(this)
          set.call(this, on)
          if (was !== get.call(this) && isActive()) safe(() => say('info', `app ${on ? 'enabled' : 'disabled'} ${trackName(this)}`, { app: on ? 'enable' : 'disable' }))()
        },
      })
      stops.push(() => Object.defineProperty(Track, 'enabled', enabled))
    }
  }
  return {
    maxBitrate(sender) {
      let cap: number | undefined
      for (const encoding of applied.get(sender) ?? []) {
        if (typeof encoding.maxBitrate == 'number' && encoding.active !== false) cap = Math.min(cap ?? Infinity, encoding.maxBitrate)
      }
      return cap
    },
    stopped: (track) => stoppedTracks.has(track),
    stop: () => stops.forEach((s) => s()),
  }
}
