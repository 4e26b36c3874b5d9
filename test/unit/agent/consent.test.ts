// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fresh, track } from '../../support/helpers'
import { HornLoggerError } from '../../../src/errors'

const load = () => fresh(async () => ({ ...(await import('../../../src/agent/consent')), ...(await import('../../../src/agent/sample')) }))
const denied = new HornLoggerError('denied', undefined, 'denied')
const tick = () => new Promise((resolve) => setTimeout(resolve))

afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
  sessionStorage.clear()
})

describe('createConsent', () => {
  it('granted from the start: granted resolves, no denial', async () => {
    const { createConsent } = await load()
    const onDeny = vi.fn()
    const consent = createConsent('granted', denied, onDeny)
    const granted = track(consent.granted)
    await tick()
    expect(consent.decision).toBe('granted')
    expect(granted.settled).toBe(true)
    expect('error' in granted).toBe(false)
    expect(onDeny).not.toHaveBeenCalled()
  })

  it('pending → granted resolves granted once; a later pending is ignored with a warning', async () => {
    const { createConsent, warn } = await load()
    const consent = createConsent('pending', denied, vi.fn())
    const granted = track(consent.granted)
    await tick()
    expect(granted.settled).toBe(false)
    consent.set('granted')
    await tick()
    expect(granted.settled).toBe(true)
    consent.set('pending')
    expect(consent.decision).toBe('granted')
    expect(warn).toHaveBeenCalledWith('horn-logger: consent granted: pending ignored')
  })

  it('pending → denied rejects granted with the denial (handled: no unhandled rejection) and calls onDeny once; denial is final', async () => {
    const { createConsent, warn } = await load()
    const onDeny = vi.fn()
    const consent = createConsent('pending', denied, onDeny)
    consent.set('denied')
    consent.set('denied')
    consent.set('granted')
    expect(consent.decision).toBe('denied')
    expect(onDeny).toHaveBeenCalledTimes(1)
    await expect(consent.granted).rejects.toBe(denied)
    expect(warn).toHaveBeenCalledWith('horn-logger: consent denied: granted ignored')
  })

  it('granted → denied (revoke) calls onDeny', async () => {
    const { createConsent } = await load()
    const onDeny = vi.fn()
    const consent = createConsent('granted', denied, onDeny)
    consent.set('denied')
    expect(consent.decision).toBe('denied')
    expect(onDeny).toHaveBeenCalledTimes(1)
  })

  it('a value that is none of the three warns once and fails closed (pending)', async () => {
    const { createConsent, warn } = await load()
    const consent = createConsent('yes' as never, denied, vi.fn())
    expect(consent.decision).toBe('pending')
    expect(warn).toHaveBeenCalledWith('horn-logger: consent pending: yes ignored')
    consent.set(undefined as never)
    expect(consent.decision).toBe('pending')
  })
})

describe('inSample', () => {
  it('100 and 0 draw nothing and write nothing', async () => {
    const { inSample } = await load()
    const random = vi.spyOn(Math, 'random')
    expect(inSample('ui', 100)).toBe(true)
    expect(inSample('ui', 0)).toBe(false)
    expect(random).not.toHaveBeenCalled()
    expect(sessionStorage.length).toBe(0)
  })

  it('draws once per tab and keeps the decision in sessionStorage under the client id', async () => {
    const { inSample } = await load()
    vi.spyOn(Math, 'random').mockReturnValue(0.3)
    expect(inSample('ui', 50)).toBe(true)
    expect(sessionStorage.getItem('horn-logger:sampled:ui')).toBe('1')
    vi.spyOn(Math, 'random').mockReturnValue(0.9)
    expect(inSample('ui', 50)).toBe(true) // kept: a reload stays sampled
    expect(inSample('other', 50)).toBe(false)
    expect(sessionStorage.getItem('horn-logger:sampled:other')).toBe('0')
    vi.spyOn(Math, 'random').mockReturnValue(0)
    expect(inSample('other', 50)).toBe(false) // and unsampled stays unsampled
  })

  it('draws per load when sessionStorage throws', async () => {
    const { inSample } = await load()
    const blocked = () => {
      throw new Error('SecurityError')
    }
    vi.stubGlobal('sessionStorage', { getItem: blocked, setItem: blocked })
    vi.spyOn(Math, 'random').mockReturnValue(0.2)
    expect(inSample('ui', 50)).toBe(true)
    vi.spyOn(Math, 'random').mockReturnValue(0.8)
    expect(inSample('ui', 50)).toBe(false)
  })
})
