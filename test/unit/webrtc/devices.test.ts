/** devices.ts: devices by kind and position; constraints without device ids. */
import { describe, expect, it } from 'vitest'
import { cleanConstraints, createDeviceNames } from '../../../src/webrtc/devices'

const device = (kind: string, deviceId: string) => ({ kind, deviceId, groupId: 'g', label: 'Some Label' }) as MediaDeviceInfo
const track = (kind: string, deviceId?: string) => ({ kind, getSettings: () => ({ deviceId }) }) as unknown as MediaStreamTrack

describe('device names', () => {
  it('names a track by its device kind and position, or its kind when the device is not known', () => {
    const names = createDeviceNames()
    expect(names.nameOf(track('audio', 'mic-2'))).toBe('audio')
    names.learn([device('audioinput', 'mic-1'), device('videoinput', 'cam-1'), device('audioinput', 'mic-2'), device('audiooutput', 'spk-1')])
    expect(names.nameOf(track('audio', 'mic-2'))).toBe('audioinput#2')
    expect(names.nameOf(track('video', 'cam-1'))).toBe('videoinput#1')
    expect(names.nameOf(track('video'))).toBe('video')
  })

  it('leaves out the values of deviceId and groupId, at any depth', () => {
    expect(cleanConstraints({ audio: { deviceId: { exact: 'abc' }, groupId: 'g' }, video: { width: 640, advanced: [{ deviceId: 'x' }] } })).toEqual({
      audio: { deviceId: '[redacted]', groupId: '[redacted]' },
      video: { width: 640, advanced: [{ deviceId: '[redacted]' }] },
    })
    expect(cleanConstraints(true)).toBe(true)
  })
})
