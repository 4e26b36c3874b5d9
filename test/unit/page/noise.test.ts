// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { captureErrors } from '../../../src/page/capture'
import { DEFAULT_IGNORE_ERRORS, resolveConfig } from '../../../src/agent/config'

describe('ignoreErrors', () => {
  const stops: Array<() => void> = []
  afterEach(() => stops.splice(0).forEach((stop) => stop()))
  function capture(ignore = DEFAULT_IGNORE_ERRORS) {
    const log = vi.fn()
    stops.push(captureErrors(log, ignore))
    return log
  }
  const withStack = (message: string, stack: string) => Object.assign(new Error(message), { stack })
  const rejection = (reason: unknown) => Object.assign(new Event('unhandledrejection'), { reason, promise: Promise.resolve() })

  it('ignores by default: "Script error." without details, ResizeObserver loop notices, errors all in extensions', () => {
    const log = capture()
    window.dispatchEvent(new ErrorEvent('error', { message: 'Script error.' }))
    window.dispatchEvent(new ErrorEvent('error', { message: 'ResizeObserver loop completed with undelivered notifications.' }))
    window.dispatchEvent(new ErrorEvent('error', { message: 'ResizeObserver loop limit exceeded' }))
    for (const stack of [
      'TypeError: a\n    at f (chrome-extension://abcdef/content.js:1:2)\n    at chrome-extension://abcdef/content.js:9:9',
      'g@moz-extension://0f3c-11/inject.js:3:4\n',
      'h@safari-web-extension://AB12/script.js:5:6',
    ])
      window.dispatchEvent(new ErrorEvent('error', { error: withStack('a', stack), message: 'Uncaught TypeError: a' }))
    window.dispatchEvent(new ErrorEvent('error', { message: 'x', filename: 'chrome-extension://abc/c.js', lineno: 1 }))
    window.dispatchEvent(rejection(withStack('r', 'Error: r\n    at chrome-extension://abc/bg.js:1:1')))
    expect(log).not.toHaveBeenCalled()
  })

  it('still logs "Script error." with details, a stack with one page frame, and anything else', () => {
    const log = capture()
    window.dispatchEvent(new ErrorEvent('error', { message: 'Script error.', filename: 'https://app.example/a.js', lineno: 3 }))
    const mixed = withStack('m', 'Error: m\n    at chrome-extension://abc/c.js:1:1\n    at https://app.example/app.js:2:2')
    window.dispatchEvent(new ErrorEvent('error', { error: mixed, message: 'Uncaught Error: m' }))
    window.dispatchEvent(new ErrorEvent('error', { error: new Error('plain'), message: 'Uncaught Error: plain' }))
    window.dispatchEvent(rejection('a string'))
    expect(log).toHaveBeenCalledTimes(4)
  })

  it('strings match as substrings, RegExps as tests; a given list replaces the default', () => {
    const log = capture(['Timeout', /^Error: flaky \d+/])
    window.dispatchEvent(new ErrorEvent('error', { error: new Error('Request Timeout reached') }))
    window.dispatchEvent(new ErrorEvent('error', { error: new Error('flaky 42') }))
    window.dispatchEvent(rejection(new Error('flaky 7')))
    window.dispatchEvent(new ErrorEvent('error', { message: 'Script error.' }))
    expect(log).toHaveBeenCalledTimes(1)
    expect(log.mock.calls[0][1]).toBe('Script error.')
  })

  it('a RegExp with the g or y flag matches every time (its lastIndex does not carry over from one error to the next)', () => {
    const log = capture([/flaky/g, /^Error: sticky/y])
    for (let i = 0; i < 3; i++) {
      window.dispatchEvent(new ErrorEvent('error', { error: new Error('flaky ' + i) }))
      window.dispatchEvent(new ErrorEvent('error', { error: new Error('sticky ' + i) }))
    }
    expect(log).not.toHaveBeenCalled()
  })

  it('config: the default list, a list as given, and a warning for anything else', () => {
    expect(resolveConfig({ clientId: 'x' }).ignoreErrors).toBe(DEFAULT_IGNORE_ERRORS)
    expect(resolveConfig({ clientId: 'x', ignoreErrors: [] }).ignoreErrors).toEqual([])
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(resolveConfig({ clientId: 'x', ignoreErrors: 'oops' as never }).ignoreErrors).toBe(DEFAULT_IGNORE_ERRORS)
    warn.mockRestore()
  })
})
