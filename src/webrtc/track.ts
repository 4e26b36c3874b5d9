import { listen } from '../lib/listen'
import { safe } from '../lib/console'
import type { Say } from './say'

/**
 * Says when a track ends or mutes by itself (the app's own `stop()` and
 * `enabled` are app.ts's lines): `stop()` by the app fires no
 * `ended`, so every `ended` event is unexpected (device unplugged, permission
 * revoked, sharing stopped from the browser's bar). Returns the `stop()` that
 * detaches, which also runs once the track has ended.
 */
export function watchTrack(track: MediaStreamTrack, say: Say, device: string = track.kind): () => void {
  const label = `${track.kind} track`
  // Its device by kind and position only: a label names the person's hardware.
  const context = { device }
  // Remote tracks start muted until media arrives: only a mute after that is news.
  let flowing = !track.muted
  const stops = [
    listen(track, 'mute', safe(() => {
      if (flowing) say('warn', `${label} muted: no media arriving`, context)
    })),
    listen(track, 'unmute', safe(() => {
      if (flowing) say('info', `${label} unmuted`, context)
      flowing = true
    })),
    listen(track, 'ended', safe(() => {
      say('warn', `${label} ended by itself (device-lost)`, context)
      stop()
    })),
  ]
  const stop = () => stops.splice(0).forEach((s) => s())
  return stop
}
