// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest'
import { captureConsole, captureErrors } from '../../../src/page/capture'

const METHODS = ['debug', 'log', 'info', 'warn', 'error'] as const
type Method = (typeof METHODS)[number]
type Con = Record<Method, (...args: unknown[]) => void>
const con = console as unknown as Con

describe('captureErrors', () => {
  const stops: Array<() => void> = []
  afterEach(() => stops.splice(0).forEach((stop) => stop()))

  function capture() {
    const log = vi.fn()
    stops.push(captureErrors(log))
    return log
  }

  /** An `unhandledrejection` event as the browser makes it (happy-dom has no PromiseRejectionEvent). */
  const rejection = (reason: unknown) => Object.assign(new Event('unhandledrejection'), { reason, promise: Promise.resolve() })

  it('logs an uncaught error with its source location', () => {
    const log = capture()
    const error = new TypeError('boom')
    window.dispatchEvent(new ErrorEvent('error', { error, message: 'Uncaught TypeError: boom', filename: 'https://app.example/app.js', lineno: 12, colno: 34 }))
    expect(log).toHaveBeenCalledTimes(1)
    expect(log).toHaveBeenCalledWith('error', error, { source: 'https://app.example/app.js:12:34' })
  })

  it('logs the message when there is no error object (cross-origin "Script error."), and no source without a filename', () => {
    const log = capture()
    window.dispatchEvent(new ErrorEvent('error', { message: 'Script error.' }))
    expect(log).toHaveBeenCalledWith('error', 'Script error.', undefined)
  })

  it('logs an unhandled rejection with an Error reason as that error', () => {
    const log = capture()
    const reason = new Error('rejected')
    window.dispatchEvent(rejection(reason))
    expect(log).toHaveBeenCalledWith('error', reason, { unhandledRejection: true })
  })

  it('logs an unhandled rejection with any other reason under a fixed message', () => {
    const log = capture()
    window.dispatchEvent(rejection({ code: 42 }))
    window.dispatchEvent(rejection(undefined))
    expect(log.mock.calls).toEqual([
      ['error', 'Unhandled promise rejection', { reason: { code: 42 } }],
      ['error', 'Unhandled promise rejection', { reason: undefined }],
    ])
  })

  it('stop() detaches both listeners', () => {
    const log = vi.fn()
    captureErrors(log)()
    window.dispatchEvent(new ErrorEvent('error', { error: new Error('x'), message: 'x' }))
    window.dispatchEvent(rejection(new Error('y')))
    expect(log).not.toHaveBeenCalled()
  })
})

describe('captureConsole', () => {
  let saved: Con
  let originals: Record<Method, Mock<(...args: unknown[]) => unknown>>
  beforeEach(() => {
    saved = { ...con }
    // The "original" methods are spies, so we see what still prints.
    originals = Object.fromEntries(METHODS.map((m) => [m, vi.fn<(...args: unknown[]) => unknown>()])) as typeof originals
    for (const m of METHODS) con[m] = originals[m]
  })
  afterEach(() => {
    for (const m of METHODS) con[m] = saved[m]
  })

  it('maps debug/log/info/warn/error to levels, with extra arguments as context', () => {
    const log = vi.fn()
    const stop = captureConsole(log)
    const obj = { a: 1 }
    console.debug('d')
    console.log('l', 1, obj)
    console.info('i')
    console.warn('w', 'x')
    console.error(new Error('e'))
    stop()
    expect(log.mock.calls).toEqual([
      ['debug', 'd', undefined],
      ['info', 'l', { args: [1, obj] }],
      ['info', 'i', undefined],
      ['warn', 'w', { args: ['x'] }],
      ['error', new Error('e'), undefined],
    ])
  })

  it('still prints through the original method, with the same arguments and this, and returns its result', () => {
    originals.info.mockReturnValue('printed')
    const stop = captureConsole(vi.fn())
    const result = con.info('hello', { b: 2 })
    con.log('via log')
    stop()
    expect(originals.info).toHaveBeenCalledWith('hello', { b: 2 })
    expect(originals.info.mock.contexts[0]).toBe(console)
    expect(result).toBe('printed')
    // console.log prints through console.log, not the info it is logged as.
    expect(originals.log).toHaveBeenCalledWith('via log')
    expect(originals.info).toHaveBeenCalledTimes(1)
  })

  it('does not capture what the log function itself prints (no recursion), but still prints it', () => {
    const log = vi.fn((level: string, message: unknown) => {
      console.warn('inside log:', message)
      console.log('again')
    })
    const stop = captureConsole(log)
    console.error('outer')
    stop()
    expect(log).toHaveBeenCalledTimes(1)
    expect(log).toHaveBeenCalledWith('error', 'outer', undefined)
    expect(originals.warn).toHaveBeenCalledWith('inside log:', 'outer')
    expect(originals.log).toHaveBeenCalledWith('again')
    expect(originals.error).toHaveBeenCalledWith('outer')
  })

  it('still prints, and keeps capturing, when the log function throws', () => {
    const log = vi.fn(() => {
      throw new Error('logger broke')
    })
    const stop = captureConsole(log)
    expect(() => console.warn('one')).not.toThrow()
    console.warn('two')
    stop()
    expect(originals.warn.mock.calls).toEqual([['one'], ['two']])
    expect(log).toHaveBeenCalledTimes(2)
  })

  it('stop() restores every original method', () => {
    const log = vi.fn()
    const stop = captureConsole(log)
    for (const m of METHODS) expect(con[m]).not.toBe(originals[m])
    stop()
    for (const m of METHODS) expect(con[m]).toBe(originals[m])
    console.info('after')
    expect(log).not.toHaveBeenCalled()
  })

  it('stop() leaves a method alone that someone patched after us', () => {
    const log = vi.fn()
    const stop = captureConsole(log)
    const ours = con.warn
    const theirs = vi.fn((...args: unknown[]) => ours(...args))
    con.warn = theirs
    stop()
    expect(con.warn).toBe(theirs)
    for (const m of METHODS.filter((m) => m !== 'warn')) expect(con[m]).toBe(originals[m])
  })
})
