/** patch.ts: method replacement with an exact undo. */
import { describe, expect, it } from 'vitest'
import { patch } from '../../../src/webrtc/patch'

describe('patch', () => {
  class Base {
    hello() {
      return 'base'
    }
  }

  it('shadows an inherited method and removes the shadow on stop', () => {
    const target = new Base()
    const stop = patch(target, 'hello', (original) => () => `wrapped ${original.call(target)}`)
    expect(target.hello()).toBe('wrapped base')
    stop()
    expect(target.hello()).toBe('base')
    expect(Object.prototype.hasOwnProperty.call(target, 'hello')).toBe(false)
  })

  it('puts back an own method exactly, and leaves a later wrapper in place', () => {
    const own = () => 'own'
    const target = { hello: own }
    const stop = patch(target, 'hello', () => () => 'ours')
    stop()
    expect(target.hello).toBe(own)
    const again = patch(target, 'hello', () => () => 'ours')
    const theirs = () => 'theirs'
    target.hello = theirs
    again()
    expect(target.hello).toBe(theirs)
  })

  it('does nothing to what is not a function', () => {
    const target = { value: 1 } as Record<string, unknown>
    patch(target, 'value', () => () => 2)()
    patch(target, 'missing', () => () => 2)()
    expect(target).toEqual({ value: 1 })
  })
})
