/** ice.ts: which configured server gave no candidate, and URLs fit for the log. */
import { describe, expect, it } from 'vitest'
import { candidateError, candidateFrom, cleanUrl, iceServerUrls, newGathering, unreachable } from '../../../src/webrtc/ice'

describe('ICE server URLs', () => {
  it('keeps the ICE servers URLs and drops usernames and credentials', () => {
    const urls = iceServerUrls({
      iceServers: [
        { urls: 'stun:stun.example.com' },
        { urls: ['turn:turn.example.com?transport=udp', 'turns:turn.example.com:443'], username: 'u', credential: 'secret-value' },
      ],
    })
    expect(urls).toEqual(['stun:stun.example.com', 'turn:turn.example.com?transport=udp', 'turns:turn.example.com:443'])
    expect(iceServerUrls(undefined)).toEqual([])
  })

  it('cleans a URL for the log: no user part, no query values', () => {
    expect(cleanUrl('turn:turn.example.com:3478?transport=udp')).toBe('turn:turn.example.com:3478?transport=[redacted]')
    expect(cleanUrl('turn:alice@turn.example.com:3478')).toBe('turn:turn.example.com:3478')
    expect(cleanUrl('turns:turn.example.com:443?transport=tcp&token=abc')).toBe('turns:turn.example.com:443?transport=[redacted]&token=[redacted]')
    expect(cleanUrl('stun:stun.example.com')).toBe('stun:stun.example.com')
  })
})

describe('unreachable servers', () => {
  const configured = ['stun:stun.example.com:3478', 'turn:127.0.0.1:9?transport=udp', 'turn:127.0.0.1:9?transport=tcp']

  it('names each server that gave no candidate once, with its errors folded in', () => {
    const gathering = newGathering()
    candidateFrom(gathering, 'stun:stun.example.com:3478', true)
    candidateFrom(gathering, null, true) // a host candidate
    for (let i = 0; i < 6; i++) candidateError(gathering, 'turn:127.0.0.1:9?transport=udp', 701, 'TURN allocate request timed out.')
    expect(unreachable(configured, gathering)).toEqual([
      { url: 'turn:127.0.0.1:9?transport=[redacted]', errors: { count: 6, errors: ['701 TURN allocate request timed out.'] } },
    ])
  })

  it('says nothing of a server that answered, even when some interfaces failed', () => {
    const gathering = newGathering()
    candidateFrom(gathering, 'stun:stun.example.com:3478', true)
    candidateFrom(gathering, 'turn:127.0.0.1:9?transport=udp', true)
    candidateError(gathering, 'turn:127.0.0.1:9?transport=udp', 701, 'x')
    expect(unreachable(configured, gathering)).toEqual([])
  })

  it('judges a silent server only when the browser names the server of its candidates', () => {
    const gathering = newGathering()
    candidateFrom(gathering, undefined, false)
    expect(unreachable(['stun:stun.example.com'], gathering)).toEqual([])
    candidateFrom(gathering, undefined, true)
    expect(unreachable(['stun:stun.example.com'], gathering)).toEqual([{ url: 'stun:stun.example.com' }])
  })
})
