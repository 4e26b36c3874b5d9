// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { watchPage } from '../../../src/page/lifecycle'

describe('watchPage', () => {
  let visibility: DocumentVisibilityState
  let stop: () => void = () => {}
  beforeEach(() => {
    visibility = 'visible'
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility })
  })
  afterEach(() => {
    stop()
    delete (document as { visibilityState?: unknown }).visibilityState
  })

  function watch() {
    const events = { onExit: vi.fn(), onResume: vi.fn() }
    stop = watchPage(events)
    return events
  }

  const becomes = (state: DocumentVisibilityState) => {
    visibility = state
    document.dispatchEvent(new Event('visibilitychange'))
  }

  it('calls onExit on pagehide, and only onExit', () => {
    const { onExit, onResume } = watch()
    window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }))
    window.dispatchEvent(new Event('pagehide'))
    expect(onExit).toHaveBeenCalledTimes(2)
    expect(onResume).not.toHaveBeenCalled()
  })

  it('calls onExit when the page becomes hidden, not when it becomes visible', () => {
    const { onExit, onResume } = watch()
    becomes('hidden')
    expect(onExit).toHaveBeenCalledTimes(1)
    becomes('visible')
    expect(onExit).toHaveBeenCalledTimes(1)
    becomes('hidden')
    expect(onExit).toHaveBeenCalledTimes(2)
    expect(onResume).not.toHaveBeenCalled()
  })

  it('calls onResume on pageshow and online, and not onExit', () => {
    const { onExit, onResume } = watch()
    window.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))
    expect(onResume).toHaveBeenCalledTimes(1)
    window.dispatchEvent(new Event('online'))
    expect(onResume).toHaveBeenCalledTimes(2)
    window.dispatchEvent(new Event('offline'))
    expect(onResume).toHaveBeenCalledTimes(2)
    expect(onExit).not.toHaveBeenCalled()
  })

  it('calls onPark before onExit on a pagehide into the back/forward cache, and onUnpark before onResume on the way back', () => {
    const calls: string[] = []
    stop = watchPage({
      onExit: () => calls.push('exit'),
      onResume: () => calls.push('resume'),
      onPark: () => calls.push('park'),
      onUnpark: () => calls.push('unpark'),
    })
    // happy-dom's PageTransitionEvent drops `persisted`: an Event carrying it, as the browser's does.
    const transition = (type: string, persisted: boolean) => window.dispatchEvent(Object.assign(new Event(type), { persisted }))
    transition('pagehide', false)
    transition('pagehide', true)
    transition('pageshow', false)
    transition('pageshow', true)
    expect(calls).toEqual(['exit', 'park', 'exit', 'resume', 'unpark', 'resume'])
  })

  it('stop() detaches every listener', () => {
    const { onExit, onResume } = watch()
    stop()
    window.dispatchEvent(new Event('pagehide'))
    becomes('hidden')
    window.dispatchEvent(new Event('pageshow'))
    window.dispatchEvent(new Event('online'))
    expect(onExit).not.toHaveBeenCalled()
    expect(onResume).not.toHaveBeenCalled()
  })

  it('stop() of one watcher leaves another attached', () => {
    const first = { onExit: vi.fn(), onResume: vi.fn() }
    const second = { onExit: vi.fn(), onResume: vi.fn() }
    const stopFirst = watchPage(first)
    stop = watchPage(second)
    stopFirst()
    becomes('hidden')
    window.dispatchEvent(new Event('online'))
    expect(first.onExit).not.toHaveBeenCalled()
    expect(first.onResume).not.toHaveBeenCalled()
    expect(second.onExit).toHaveBeenCalledTimes(1)
    expect(second.onResume).toHaveBeenCalledTimes(1)
  })
})
