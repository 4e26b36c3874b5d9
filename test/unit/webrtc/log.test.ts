/** log.ts: errors and tracks as lines describe them. */
import { describe, expect, it } from 'vitest'
import { describeError, describeTrack, errorText } from '../../../src/webrtc/log'

describe('what never reaches the log', () => {
  it('describes an error by name, message and the constraint that failed', () => {
    const overconstrained = Object.assign(new Error(''), { name: 'OverconstrainedError', constraint: 'width' })
    expect(describeError(overconstrained)).toEqual({ name: 'OverconstrainedError', message: '', constraint: 'width' })
    expect(errorText(describeError(overconstrained))).toBe('OverconstrainedError (width)')
    expect(errorText(describeError(new DOMException('Permission denied', 'NotAllowedError')))).toBe('NotAllowedError: Permission denied')
    expect(describeError(undefined)).toEqual({ name: 'Error', message: 'undefined' })
  })

  it('describes a track by kind and device position, never its label or device id', () => {
    const track = { kind: 'video', label: 'FaceTime HD Camera', id: 't1', enabled: true, muted: false, getSettings: () => ({ deviceId: 'abc123', width: 640, height: 480 }) } as unknown as MediaStreamTrack
    const described = describeTrack(track, 'videoinput#1')
    expect(described).toMatchObject({ kind: 'video', device: 'videoinput#1', settings: { width: 640, height: 480 } })
    expect(JSON.stringify(described)).not.toMatch(/FaceTime|abc123/)
  })
})
