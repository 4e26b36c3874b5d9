/**
 * Devices by kind and position (`audioinput#1`, `videoinput#2`), the only
 * names the log uses: device ids and labels identify the person's hardware
 * and stay in memory here, never in a line.
 */

export interface DeviceNames {
  /** Learns the page's devices from an `enumerateDevices()` answer. */
  learn(list: MediaDeviceInfo[]): void
  /** `audioinput#1` for a capture track, or its kind (`audio`) when its device is not known yet. */
  nameOf(track: MediaStreamTrack): string
}

const INPUT: Record<string, string> = { audio: 'audioinput', video: 'videoinput' }

export function createDeviceNames(): DeviceNames {
  let names = new Map<string, string>()
  return {
    learn(list) {
      const counts: Record<string, number> = {}
      const next = new Map<string, string>()
      for (const device of list) {
        counts[device.kind] = (counts[device.kind] ?? 0) + 1
        if (device.deviceId) next.set(`${device.kind} ${device.deviceId}`, `${device.kind}#${counts[device.kind]}`)
      }
      names = next
    },
    nameOf(track) {
      const id = track.getSettings?.().deviceId
      return (id && names.get(`${INPUT[track.kind]} ${id}`)) || track.kind
    },
  }
}

/** Constraints as asked, without the values of `deviceId` and `groupId` (at any depth). */
export function cleanConstraints(value: unknown, depth = 0): unknown {
  if (!value || typeof value != 'object' || depth > 4) return value
  if (Array.isArray(value)) return value.map((v) => cleanConstraints(v, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) out[key] = /^(deviceId|groupId)$/.test(key) ? '[redacted]' : cleanConstraints(v, depth + 1)
  return out
}
