import { afterEach, describe, expect, it, vi } from 'vitest'
import { fresh } from '../../support/helpers'
import type { LoggerConfig } from '../../../src/types'

const load = () =>
  fresh(async () => ({ ...(await import('../../../src/agent/config')), ...(await import('../../../src/entry/format')), ...(await import('../../../src/entry/redact')) }))

afterEach(() => {
  vi.restoreAllMocks()
})

describe('resolveConfig', () => {
  it('fills every default from the JSDoc of LoggerConfig', async () => {
    const { resolveConfig, formatText, warn, keyMatcher, DEFAULT_REDACT } = await load()
    const c = resolveConfig({ clientId: 'ui', apiUrl: 'https://horn.example.com/api' })
    expect(c).toMatchObject({
      clientId: 'ui',
      apiUrl: 'https://horn.example.com/api',
      channel: undefined,
      level: 0,
      captureErrors: true,
      captureConsole: false,
      credentials: 'same-origin',
      flushInterval: 1000,
      maxBatchBytes: 32768,
      maxBatchEntries: 1000,
      maxEntryBytes: 8192,
      maxStoredBytes: 8 * 1024 * 1024,
      requestTimeout: 60_000,
      storage: 'indexeddb',
      consent: 'granted',
      sampleRate: 100,
    })
    expect(c.format).toBe(formatText)
    expect(c.redact.source).toBe(keyMatcher(DEFAULT_REDACT).source)
    expect(c.headers()).toEqual({})
    expect(c.maxBatchBytes).toBeLessThan(64 * 1024)
    expect(warn).not.toHaveBeenCalled()
  })

  it('takes the options it is given', async () => {
    const { resolveConfig, formatJson } = await load()
    const c = resolveConfig({
      clientId: 'ui',
      apiUrl: 'https://h.example/api///',
      channel: 'chan',
      level: 'warn',
      captureErrors: false,
      captureConsole: true,
      credentials: 'include',
      flushInterval: 0,
      maxBatchBytes: 16384,
      maxBatchEntries: 10,
      maxEntryBytes: 4096,
      maxStoredBytes: 1 << 20,
      format: 'json',
      redact: ['PIN'],
      requestTimeout: 5000,
      storage: 'memory',
    })
    expect(c).toMatchObject({
      apiUrl: 'https://h.example/api',
      channel: 'chan',
      level: 2,
      captureErrors: false,
      captureConsole: true,
      credentials: 'include',
      flushInterval: 0,
      maxBatchBytes: 16384,
      maxBatchEntries: 10,
      maxEntryBytes: 4096,
      maxStoredBytes: 1 << 20,
      requestTimeout: 5000,
      storage: 'memory',
    })
    expect(c.format).toBe(formatJson)
    // The list replaces the defaults.
    expect(c.redact.test('card_pin')).toBe(true)
    expect(c.redact.test('password')).toBe(false)
  })

  it('defaults apiUrl to the page origin', async () => {
    const { resolveConfig } = await load()
    vi.stubGlobal('location', { origin: 'https://page.example' })
    try {
      expect(resolveConfig({ clientId: 'ui' }).apiUrl).toBe('https://page.example')
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('clamps out-of-range numbers, warning once per problem', async () => {
    const { resolveConfig, warn } = await load()
    const bad: LoggerConfig = { clientId: 'ui', maxBatchBytes: 10_000_000, maxBatchEntries: 0, flushInterval: -5 }
    const c = resolveConfig(bad)
    expect(c.maxBatchBytes).toBeLessThan(64 * 1024)
    expect(c.maxBatchBytes).toBeGreaterThanOrEqual(1024)
    expect(c.maxBatchEntries).toBe(1)
    expect(c.flushInterval).toBe(0)
    expect(warn).toHaveBeenCalledTimes(3)
    expect(warn.mock.calls.map((call) => String(call[0])).join('\n')).toMatch(/maxBatchBytes[\s\S]*maxBatchEntries|maxBatchEntries[\s\S]*maxBatchBytes/)
    resolveConfig(bad)
    expect(warn).toHaveBeenCalledTimes(3)
  })

  it('takes consent as given (checked by its owner, consent.ts) and clamps sampleRate into [0, 100] with one warning', async () => {
    const { resolveConfig, warn } = await load()
    expect(resolveConfig({ clientId: 'ui', consent: 'pending', sampleRate: 25 })).toMatchObject({ consent: 'pending', sampleRate: 25 })
    expect(resolveConfig({ clientId: 'ui', sampleRate: 250 }).sampleRate).toBe(100)
    expect(resolveConfig({ clientId: 'ui', sampleRate: -1 }).sampleRate).toBe(0)
    expect(resolveConfig({ clientId: 'ui', sampleRate: NaN }).sampleRate).toBe(100)
    // 250 and NaN both say "using 100": one warning for the two.
    expect(warn).toHaveBeenCalledTimes(2)
    expect(String(warn.mock.calls[0][0])).toMatch(/sampleRate must be a number in \[0, 100\]/)
  })

  it('replaces non-numbers by the default with one warning', async () => {
    const { resolveConfig, warn } = await load()
    const c = resolveConfig({ clientId: 'ui', flushInterval: 'soon' as unknown as number, maxBatchEntries: NaN })
    expect(c.flushInterval).toBe(1000)
    expect(c.maxBatchEntries).toBe(1000)
    expect(warn).toHaveBeenCalledTimes(2)
  })

  it('keeps maxEntryBytes at most half of maxBatchBytes when it is given', async () => {
    const { resolveConfig, warn } = await load()
    const c = resolveConfig({ clientId: 'ui', maxBatchBytes: 4096, maxEntryBytes: 100_000 })
    expect(c.maxEntryBytes).toBe(2048)
    expect(warn).toHaveBeenCalledTimes(1)
  })

  it('keeps the default maxEntryBytes at most half of a small maxBatchBytes', async () => {
    const { resolveConfig } = await load()
    const c = resolveConfig({ clientId: 'ui', maxBatchBytes: 4096 })
    expect(c.maxEntryBytes).toBeLessThanOrEqual(2048)
  })

  it('keeps maxStoredBytes at least a few batches', async () => {
    const { resolveConfig } = await load()
    const c = resolveConfig({ clientId: 'ui', maxStoredBytes: 10 })
    expect(c.maxStoredBytes).toBeGreaterThanOrEqual(4 * c.maxBatchBytes)
  })

  it('takes headers as an object (copied per call) or as a function', async () => {
    const { resolveConfig } = await load()
    const object = { 'X-App': '1' }
    const fromObject = resolveConfig({ clientId: 'ui', headers: object })
    const first = fromObject.headers()
    expect(first).toEqual({ 'X-App': '1' })
    first['X-Other'] = 'mutated'
    expect(fromObject.headers()).toEqual({ 'X-App': '1' })
    let n = 0
    const fromFunction = resolveConfig({ clientId: 'ui', headers: () => ({ 'X-Call': String(++n) }) })
    expect(fromFunction.headers()).toEqual({ 'X-Call': '1' })
    expect(fromFunction.headers()).toEqual({ 'X-Call': '2' })
  })

  it('warns about a bad level and keeps everything', async () => {
    const { resolveConfig, warn } = await load()
    expect(resolveConfig({ clientId: 'ui', level: 'loud' as never }).level).toBe(0)
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0][0])).toContain('level')
    expect(resolveConfig({ clientId: 'ui', level: 'error' }).level).toBe(3)
  })

  it('never throws on a missing or broken config, and warns about the missing clientId', async () => {
    const { resolveConfig, warn } = await load()
    for (const bad of [undefined, null, 'string', 42, {}]) expect(() => resolveConfig(bad as never)).not.toThrow()
    expect(resolveConfig({} as never).clientId).toBe('unknown')
    expect(warn.mock.calls.some((call) => String(call[0]).includes('clientId'))).toBe(true)
  })

  it('falls back to the default redact list when redact is not an array', async () => {
    const { resolveConfig } = await load()
    expect(resolveConfig({ clientId: 'ui', redact: 'password' as never }).redact.test('x-api-key')).toBe(true)
  })
})
