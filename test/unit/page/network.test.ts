// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest'
import { captureNetwork } from '../../../src/page/network'
import { ownRequests } from '../../../src/lib/own'
import { resolveConfig } from '../../../src/agent/config'

describe('captureNetwork: fetch', () => {
  let stop: () => void
  let fake: Mock
  let log: Mock<(level: string, message: unknown) => void>
  const flushMicrotasks = () => new Promise((resolve) => setTimeout(resolve))

  beforeEach(() => {
    fake = vi.fn(async (input: unknown) => {
      const url = String((input as Request).url ?? input)
      if (url.includes('down')) throw new TypeError('Failed to fetch')
      return new Response('body', { status: Number(/status=(\d+)/.exec(url)?.[1] ?? 200) })
    })
    vi.stubGlobal('fetch', fake)
    log = vi.fn()
    stop = captureNetwork(log, [[500, 599]])
  })
  afterEach(() => {
    stop()
    vi.unstubAllGlobals()
  })

  it('logs a 5xx answer and a network error as one WARN line each: method, URL, outcome, duration', async () => {
    await fetch('https://api.example/rooms?status=503', { method: 'post' })
    await fetch('https://down.example/x').catch(() => {})
    await flushMicrotasks()
    expect(log.mock.calls).toEqual([
      ['warn', expect.stringMatching(/^fetch POST https:\/\/api\.example\/rooms\?status=503 503 \(\d+ ms\)$/)],
      ['warn', expect.stringMatching(/^fetch GET https:\/\/down\.example\/x failed: TypeError: Failed to fetch \(\d+ ms\)$/)],
    ])
  })

  it('a Request object: its method and URL', async () => {
    await fetch(new Request('https://api.example/r?status=502', { method: 'PUT' }))
    await flushMicrotasks()
    expect(log).toHaveBeenCalledWith('warn', expect.stringMatching(/^fetch PUT https:\/\/api\.example\/r\?status=502 502/))
  })

  it('no line for a 2xx or a status outside the ranges (404), nor for the agent’s own requests', async () => {
    await fetch('https://api.example/ok')
    await fetch('https://api.example/missing?status=404')
    const own: RequestInit = { method: 'POST' }
    ownRequests.add(own)
    await fetch('https://api.example/logs?status=503', own)
    await flushMicrotasks()
    expect(log).not.toHaveBeenCalled()
  })

  it('the page gets the very promise, answer and error of the original; the wrapper looks like fetch', async () => {
    const response = await fetch('https://api.example/ok')
    expect(await response.text()).toBe('body')
    await expect(fetch('https://down.example/')).rejects.toThrow('Failed to fetch')
    expect(fetch.length).toBe(1)
    expect(fake).toHaveBeenCalledTimes(2)
  })

  it('stop() restores the original, unless someone wrapped it after us', async () => {
    stop()
    expect(globalThis.fetch).toBe(fake)
    const again = captureNetwork(log, [[500, 599]])
    const theirs = vi.fn()
    vi.stubGlobal('fetch', theirs)
    again()
    expect(globalThis.fetch).toBe(theirs)
  })

  it('configured ranges: 4xx too', async () => {
    stop()
    stop = captureNetwork(log, [[400, 499], [500, 599]])
    await fetch('https://api.example/missing?status=404')
    await flushMicrotasks()
    expect(log).toHaveBeenCalledWith('warn', expect.stringMatching(/ 404 \(/))
  })
})

describe('captureNetwork: config', () => {
  it('on by default with 500–599; ranges as given; off with false', () => {
    expect(resolveConfig({ clientId: 'x' }).captureNetwork).toEqual([[500, 599]])
    expect(resolveConfig({ clientId: 'x', captureNetwork: { statuses: [[400, 599]] } }).captureNetwork).toEqual([[400, 599]])
    expect(resolveConfig({ clientId: 'x', captureNetwork: true }).captureNetwork).toEqual([[500, 599]])
    expect(resolveConfig({ clientId: 'x', captureNetwork: false }).captureNetwork).toBe(false)
    expect(resolveConfig({ clientId: 'x' }).captureReports).toBe(true)
    expect(resolveConfig({ clientId: 'x', captureReports: false }).captureReports).toBe(false)
    expect(resolveConfig({ clientId: 'x' }).repeatLimit).toBe(10)
  })
})
