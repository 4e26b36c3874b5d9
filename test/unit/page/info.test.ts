// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { pageInfo } from '../../../src/page/info'
import { sanitize } from '../../../src/entry/serialize'

afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

/** The first line's context as it is sent: what sanitize makes of it (missing values left out). */
const sent = (release?: string, environment?: string) => sanitize(pageInfo(release, environment), /(?!)/, 8192) as Record<string, unknown>

describe('pageInfo', () => {
  it('leaves out what the browser does not have, and release/environment when not configured', () => {
    const info = sent()
    expect(Object.keys(info).sort()).toEqual(['devicePixelRatio', 'hardwareConcurrency', 'language', 'screen', 'timeZone', 'userAgent', 'viewport'])
    expect(info.userAgent).toBe(navigator.userAgent)
    expect(info.viewport).toBe(`${innerWidth}x${innerHeight}`)
    expect(info.timeZone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone)
  })

  it('adds the low-entropy client hints, device memory and connection where present, and release/environment', () => {
    const hints = { brands: [{ brand: 'Chromium', version: '156' }], mobile: false, platform: 'Linux' }
    // As in Chromium: the hints are getters on the prototype, and toJSON() gives the low-entropy ones.
    const data = Object.create({ toJSON: () => hints, getHighEntropyValues: () => Promise.reject(new Error('never asked')) })
    Object.defineProperty(navigator, 'userAgentData', { value: data, configurable: true })
    Object.defineProperty(navigator, 'deviceMemory', { value: 8, configurable: true })
    Object.defineProperty(navigator, 'connection', { value: { effectiveType: '4g', downlink: 10 }, configurable: true })
    try {
      const info = sent('4.2.0', 'production')
      expect(info).toMatchObject({ userAgentData: hints, deviceMemory: 8, connection: '4g', release: '4.2.0', environment: 'production' })
    } finally {
      delete (navigator as any).userAgentData
      delete (navigator as any).deviceMemory
      delete (navigator as any).connection
    }
  })
})
