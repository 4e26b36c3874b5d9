/**
 * The media-device calls: what was asked and what came of it
 * (`getUserMedia`, `getDisplayMedia`), which devices exist
 * (`enumerateDevices`, `devicechange`), and local tracks that end or mute.
 */
import { listen } from '../lib/listen'
import { safe } from '../lib/console'
import type { Say } from './say'
import { cleanConstraints, type DeviceNames } from './devices'
import { errorText, describeError, describeTrack } from './log'
import { watchTrack } from './track'
import { patch, type Method } from './patch'

/** Counts per device kind: `{ audioinput: 1, videoinput: 2, audiooutput: 1 }`. Labels and ids stay out. */
export function countDevices(devices: MediaDeviceInfo[]): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const device of devices) counts[device.kind] = (counts[device.kind] ?? 0) + 1
  return counts
}

/**
 * Patches the media-device calls; returns their `stop()`. The local tracks'
 * listeners are not kept track of (a track the app stops fires nothing, so
 * holding them would keep every track ever captured alive): after stop they
 * stay attached but say nothing, as `isActive()` is false.
 */
export function instrumentMedia(say: Say, isActive: () => boolean, names: DeviceNames): () => void {
  const devices = typeof navigator == 'object' ? navigator.mediaDevices : undefined
  if (!devices) return () => {}
  let lastCounts = ''
  const sayDevices = (list: MediaDeviceInfo[], why: string) => {
    names.learn(list)
    const counts = countDevices(list)
    const key = JSON.stringify(counts)
    if (key !== lastCounts || why === 'devicechange') say('info', why, counts)
    lastCounts = key
  }

  const capture = (name: 'getUserMedia' | 'getDisplayMedia') =>
    patch(devices, name, (original) => function (this: unknown, ...args: unknown[]) {
      const constraints = cleanConstraints(args[0])
      const result = original.apply(this, args) as Promise<MediaStream>
      return result.then(
        (stream) => {
          // Devices get their positions (audioinput#1) once permission lets enumerateDevices list them.
          const listed = (enumerate?.call(devices) as Promise<MediaDeviceInfo[]> | undefined) ?? Promise.resolve([])
          listed.then(safe((list: MediaDeviceInfo[]) => names.learn(list)), () => {}).then(safe(() => {
            const tracks = stream.getTracks()
            say('info', `${name} ok`, { constraints, tracks: tracks.map((t) => describeTrack(t, names.nameOf(t))) })
            for (const track of tracks) {
              watchTrack(track, (level, what, context) => {
                if (isActive()) say(level, `local ${what}`, context)
              }, names.nameOf(track))
            }
          }))
          return stream
        },
        (error: unknown) => {
          const e = describeError(error)
          safe(() => say('error', `${name} failed: ${errorText(e)}`, { constraints, error: e }))()
          throw error
        },
      )
    })

  let enumerate: Method | undefined
  const stops = [
    capture('getUserMedia'),
    capture('getDisplayMedia'),
    patch(devices, 'enumerateDevices', (original) => {
      enumerate = original
      return function (this: unknown, ...args: unknown[]) {
        const result = original.apply(this, args) as Promise<MediaDeviceInfo[]>
        // Apps ask often: only a change in the counts is a line.
        result.then(safe((list: MediaDeviceInfo[]) => sayDevices(list, 'devices')), () => {})
        return result
      }
    }),
    listen(devices, 'devicechange', safe(() => {
      const list = enumerate?.call(devices) as Promise<MediaDeviceInfo[]> | undefined
      list?.then(safe((l: MediaDeviceInfo[]) => sayDevices(l, 'devicechange')), () => {})
    })),
  ]
  return () => stops.forEach((s) => s())
}
