// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fresh } from '../../support/helpers'
import type { Entry, LoggerConfig } from '../../../src/types'

const load = () =>
  fresh(async () => ({
    resolveConfig: (await import('../../../src/agent/config')).resolveConfig,
    createEntries: (await import('../../../src/entry/build')).createEntries,
    createLogger: (await import('../../../src/agent/start')).createLogger,
  }))

afterEach(() => {
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

/** An entry builder whose formatter records what it is given, and the lines it pushes. */
async function entriesWith(config: Partial<LoggerConfig> = {}) {
  const { resolveConfig, createEntries, warn } = await load()
  const formatted: Entry[] = []
  const pushed: string[] = []
  const entries = createEntries(
    resolveConfig({
      clientId: 'ui',
      format: (entry) => {
        formatted.push(entry)
        return entry.message
      },
      ...config,
    }),
    (_time, line) => pushed.push(line),
  )
  return { entries, formatted, pushed, warn }
}

describe('context merging', () => {
  it('global < child < the call’s own keys, and an Error’s `error` over all of them', async () => {
    const { entries, formatted } = await entriesWith()
    entries.setContext({ room: 'global', who: 'global', where: 'global', error: 'global' })
    const child = entries.clean({ who: 'child', where: 'child', call: 'c-1' })
    entries.log('info', 'm', { where: 'call' }, child)
    entries.log('error', new Error('boom'), { error: 'call' }, child)
    expect(formatted[0].context).toEqual({ room: 'global', who: 'child', where: 'call', call: 'c-1', error: 'global' })
    expect(formatted[1].context).toMatchObject({ room: 'global', who: 'child', where: 'child', error: { name: 'Error', message: 'boom' } })
  })

  it('an entry without any context has none; a non-object context is kept under `context`', async () => {
    const { entries, formatted } = await entriesWith()
    entries.log('info', 'bare')
    entries.log('info', 'list', [1, 2])
    entries.setContextProperty('tenant', 'acme')
    entries.log('info', 'text', 'plain')
    expect(formatted.map((e) => e.context)).toEqual([undefined, { context: [1, 2] }, { tenant: 'acme', context: 'plain' }])
  })

  it('setContextProperty / removeContextProperty / getContext; getContext is a copy', async () => {
    const { entries, formatted } = await entriesWith()
    entries.setContext({ a: 1, b: { c: 2 } })
    entries.setContextProperty('d', 3)
    entries.removeContextProperty('a')
    entries.removeContextProperty('missing')
    const copy = entries.getContext()
    expect(copy).toEqual({ b: { c: 2 }, d: 3 })
    ;(copy.b as { c: number }).c = 99
    copy.e = 'x'
    entries.log('info', 'after')
    expect(formatted[0].context).toEqual({ b: { c: 2 }, d: 3 })
    entries.removeContextProperty('b')
    entries.removeContextProperty('d')
    entries.log('info', 'empty')
    expect(formatted[1].context).toBeUndefined()
    expect(entries.getContext()).toEqual({})
  })

  it('a non-object global context is refused with one warning', async () => {
    const { entries, formatted, warn } = await entriesWith()
    entries.setContext({ kept: true })
    entries.setContext('nope' as never)
    entries.setContext(null as never)
    entries.log('info', 'm')
    expect(formatted[0].context).toEqual({ kept: true })
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0][0])).toMatch(/context must be an object/)
  })
})

describe('global context is made safe once, when set', () => {
  it('redacts keys at any depth and makes values JSON-safe', async () => {
    const { entries, formatted } = await entriesWith()
    const circular: Record<string, unknown> = { name: 'loop' }
    circular.self = circular
    entries.setContext({ user: { name: 'ann', password: 'hunter2' }, Authorization: 'Bearer x', big: 10n, circular })
    entries.setContextProperty('token', 't-123')
    entries.setContextProperty('session', { apiKey: 'k' })
    entries.log('info', 'm')
    const context = formatted[0].context!
    expect(context).toEqual({
      user: { name: 'ann', password: '[redacted]' },
      Authorization: '[redacted]',
      big: '10',
      circular: { name: 'loop', self: '[Circular]' },
      token: '[redacted]',
      session: { apiKey: '[redacted]' },
    })
    expect(JSON.stringify(entries.getContext())).not.toMatch(/hunter2|Bearer|t-123|"k"/)
  })

  it('reads the object once: later calls neither read it again nor see it change', async () => {
    const { entries, formatted } = await entriesWith()
    let reads = 0
    const source = {
      get room() {
        reads++
        return 'blue'
      },
      list: [1],
    }
    entries.setContext(source)
    source.list.push(2)
    for (let i = 0; i < 3; i++) entries.log('info', `m${i}`)
    expect(reads).toBe(1)
    expect(formatted.map((e) => e.context)).toEqual(Array(3).fill({ room: 'blue', list: [1] }))
  })

  it('a child context is made safe when the child is made', async () => {
    const { entries, formatted } = await entriesWith()
    entries.log('info', 'm', undefined, entries.clean({ secret: 's', id: 7 }))
    expect(formatted[0].context).toEqual({ secret: '[redacted]', id: 7 })
  })
})

describe('beforeSend', () => {
  it('sees time, level, message and merged context before formatting; false drops the entry uncounted', async () => {
    const seen: unknown[] = []
    const { entries, formatted, pushed } = await entriesWith({
      beforeSend: (entry) => {
        seen.push(entry)
        return entry.message === 'drop me' ? false : entry
      },
    })
    entries.setContext({ tenant: 'acme' })
    entries.log('warn', 'keep me', { n: 1 }, undefined, 1234)
    entries.log('info', 'drop me')
    entries.log('info', 'and me')
    expect(seen[0]).toEqual({ time: 1234, level: 'warn', message: 'keep me', context: { tenant: 'acme', n: 1 } })
    expect(seen).toHaveLength(3)
    expect(formatted.map((e) => [e.message, e.seq])).toEqual([
      ['keep me', 0],
      ['and me', 1],
    ])
    expect(pushed).toHaveLength(2)
    expect(entries.logged).toBe(2)
  })

  it('a returned entry may change message and context, which are made safe again; time and level stay', async () => {
    const { entries, formatted } = await entriesWith({
      beforeSend: (entry) => {
        const loop: Record<string, unknown> = {}
        loop.loop = loop
        return { ...entry, time: 0, level: 'error', message: entry.message.replace(/\d{4}-\d{4}/, '****'), context: { password: 'p', loop, big: 1n } }
      },
    })
    entries.log('info', 'card 1234-5678', { card: '1234-5678' }, undefined, 99)
    expect(formatted[0]).toEqual({ time: 99, level: 'info', seq: 0, message: 'card ****', context: { password: '[redacted]', loop: { loop: '[Circular]' }, big: '1' } })
  })

  it('a hook that throws or returns something else leaves the entry as it was, with one warning', async () => {
    const odd: unknown[] = [undefined, null, true, 'text', 42, {}, { message: 5 }]
    let call = 0
    const { entries, formatted, warn } = await entriesWith({
      beforeSend: () => {
        if (call++ === 0) throw new Error('hook bug')
        return odd.shift() as never
      },
    })
    for (let i = 0; i < 8; i++) entries.log('info', `entry ${i}`, { i })
    expect(formatted.map((e) => [e.message, e.context])).toEqual(Array.from({ length: 8 }, (_, i) => [`entry ${i}`, { i }]))
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0][0])).toMatch(/beforeSend/)
  })

  it('a beforeSend that is not a function sends entries as they are, with one warning', async () => {
    const { entries, formatted, warn } = await entriesWith({ beforeSend: 'nope' as never })
    entries.log('info', 'a')
    entries.log('info', 'b')
    expect(formatted.map((e) => e.message)).toEqual(['a', 'b'])
    expect(warn).toHaveBeenCalledTimes(1)
  })

  it('an entry logged from inside the hook does not call the hook again', async () => {
    let calls = 0
    const { entries, formatted } = await entriesWith({
      beforeSend: (entry) => {
        calls++
        entries.log('debug', 'from the hook')
        return entry
      },
    })
    entries.log('info', 'outer')
    expect(calls).toBe(1)
    expect(formatted.map((e) => e.message)).toEqual(['from the hook', 'outer'])
  })
})

describe('level', () => {
  it('log() filters by the current level, which can change; add() does not filter', async () => {
    const { entries, formatted } = await entriesWith({ level: 'warn' })
    entries.log('info', 'dropped')
    entries.add('info', 'added')
    entries.log('warn', 'kept')
    entries.level = 0
    entries.log('debug', 'now kept')
    entries.stop()
    entries.log('error', 'after stop')
    expect(formatted.map((e) => e.message)).toEqual(['added', 'kept', 'now kept'])
  })
})

describe('logger views', () => {
  /** A logger whose formatter records every entry; its requests never answer. */
  async function loggerWith(config: Partial<LoggerConfig> = {}) {
    const { createLogger, warn } = await load()
    vi.stubGlobal('fetch', () => new Promise(() => {}))
    const formatted: Entry[] = []
    const logger = createLogger({
      clientId: 'ui',
      storage: 'memory',
      captureErrors: false,
      logPageInfo: false,
      format: (entry) => (formatted.push(entry), entry.message),
      ...config,
    })
    return { logger, formatted, warn }
  }

  it('a child of a child carries both contexts over the global one, under the call’s keys', async () => {
    const { logger, formatted } = await loggerWith({ context: { app: 'ui', who: 'global' } })
    const call = logger.child({ call: 'c-1', who: 'call' })
    const track = call.child({ track: 't-2', who: 'track', password: 'p' })
    track.info('muted', { who: 'entry' })
    call.info('joined')
    logger.info('plain')
    logger.setContextProperty('tenant', 'acme')
    track.info('later')
    expect(formatted.map((e) => e.context)).toEqual([
      { app: 'ui', who: 'entry', call: 'c-1', track: 't-2', password: '[redacted]' },
      { app: 'ui', who: 'call', call: 'c-1' },
      { app: 'ui', who: 'global' },
      { app: 'ui', who: 'track', call: 'c-1', track: 't-2', password: '[redacted]', tenant: 'acme' },
    ])
    // One pipeline: one sequence, one count, one app session.
    expect(formatted.map((e) => e.seq)).toEqual([0, 1, 2, 3])
    expect(track.stats().logged).toBe(4)
    expect(track.ready).toBe(logger.ready)
  })

  it('children share the level and the global context; a child’s close() closes nothing', async () => {
    const { logger, formatted, warn } = await loggerWith({ level: 'info' })
    const child = logger.child({ c: 1 })
    expect(child.level).toBe('info')
    child.setLevel('error')
    expect(logger.level).toBe('error')
    logger.warn('hidden')
    child.setContext({ shared: true })
    logger.setLevel('debug')
    await child.close()
    logger.debug('shown')
    child.debug('also shown')
    logger.setLevel('loud' as never)
    expect(logger.level).toBe('debug')
    expect(warn).toHaveBeenCalledTimes(1)
    expect(formatted.map((e) => [e.message, e.context])).toEqual([
      ['shown', { shared: true }],
      ['also shown', { shared: true, c: 1 }],
    ])
    expect(logger.getContext()).toEqual({ shared: true })
  })

  it('never throws, whatever the context methods are given', async () => {
    const { logger } = await loggerWith()
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error('trap') }, get: () => { throw new Error('trap') } })
    expect(() => {
      logger.setContext(hostile)
      logger.setContextProperty(Symbol('s') as never, hostile)
      logger.removeContextProperty(undefined as never)
      logger.child(hostile).child(null as never).info('still fine')
      logger.setLevel(undefined as never)
      logger.getContext()
    }).not.toThrow()
  })
})
