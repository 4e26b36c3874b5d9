/**
 * Capture and the script tag in real Chromium: uncaught errors, unhandled
 * rejections, console capture without recursion, and the async-loading snippet.
 * The bundle's size budget is test/package/size.test.ts.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { agentPage, entryNumbers, flushAndRead, lines, range, useBrowser, useServer } from '../support/harness'

const server = useServer()
const browser = useBrowser()

/** How long a test waits for the agent to flush what it logged. */
const FLUSH_MS = 10_000

describe('capture', () => {
  it('turns uncaught errors and unhandled rejections into error entries', async () => {
    const page = await browser.context.newPage()
    // A script file of the page's own, so the error event carries its file, line and column.
    server.page(
      'thrower.js',
      `setTimeout(() => { throw new TypeError('kaboom') })
      Promise.reject(new Error('nobody caught me'))
      Promise.reject('a plain string')`,
    )
    await page.goto(server.page('errors.html', agentPage({ 'client-id': 'errors', 'api-url': server.url, 'log-page-info': 'false' }, '<script src="/thrower.js"></script>')))
    await page.waitForFunction(() => (window as any).hornLogger.stats().logged >= 3)
    const text = await flushAndRead(page, server, FLUSH_MS)
    expect(text).toMatch(/ERROR TypeError: kaboom \{.*"source":"http:\/\/127\.0\.0\.1:\d+\/thrower\.js:1:\d+"/)
    expect(text).toMatch(/ERROR Error: nobody caught me \{.*"unhandledRejection":true/)
    expect(text).toMatch(/ERROR Unhandled promise rejection \{"reason":"a plain string"\}/)
    await page.close()
  })

  it('data-capture-errors="false" leaves errors alone', async () => {
    const page = await browser.context.newPage()
    await page.goto(server.page('no-errors.html', agentPage({ 'client-id': 'no-errors', 'api-url': server.url, 'capture-errors': 'false', 'log-page-info': 'false' })))
    await page.evaluate(() => {
      addEventListener('error', () => ((window as any).errorDispatched = true))
      setTimeout(() => {
        throw new Error('not mine')
      })
      ;(window as any).hornLogger.info('marker')
    })
    // The uncaught error has reached the window's listeners (the agent's would be among them): the assertion is on what was captured.
    await page.waitForFunction(() => (window as any).errorDispatched, undefined, { timeout: 5000 })
    const text = await flushAndRead(page, server, FLUSH_MS)
    expect(lines(text)).toHaveLength(1)
    expect(text).toContain('INFO marker')
  })

  it('captures console calls when asked, still prints them, and never recurses', async () => {
    const page = await browser.context.newPage()
    const printed: string[] = []
    page.on('console', (m) => printed.push(`${m.type()}:${m.text()}`))
    await page.goto(server.page('console.html', agentPage({ 'client-id': 'console', 'api-url': server.url, 'capture-console': 'true', 'level': 'info', 'log-page-info': 'false' })))
    await page.evaluate(() => {
      console.debug('below the level')
      console.log('hello', { room: 'blue' })
      console.info('info line')
      console.warn('warn line')
      console.error('error line')
      // A config that makes the logger warn (through the original console) must not loop.
      ;(window as any).HornLogger.createLogger({ clientId: 'x', apiUrl: location.origin, level: 'loud', storage: 'memory' }).close()
    })
    const text = await flushAndRead(page, server, FLUSH_MS)
    expect(lines(text).map((l) => l.split(' ').slice(1, 3).join(' '))).toEqual(['INFO hello', 'INFO info', 'WARN warn', 'ERROR error'])
    expect(text).toContain('INFO hello {"args":[{"room":"blue"}]}')
    expect(printed).toEqual(expect.arrayContaining(['info:info line', 'warning:warn line', 'error:error line']))
    expect(printed.some((p) => p.startsWith('log:hello'))).toBe(true)
    expect(printed.some((p) => p.includes('config.level'))).toBe(true)
    expect(text).not.toContain('config.level')
    // close() restores the console.
    const restored = await page.evaluate(async () => {
      const patched = console.log
      await (window as any).hornLogger.close()
      return console.log !== patched
    })
    expect(restored).toBe(true)
  })
})

describe('script tag', () => {
  it('the async snippet queues calls until the script loads, then replays them in order with their times', async () => {
    const page = await browser.context.newPage()
    // The README's snippet, verbatim apart from the attribute values.
    const snippet = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').match(/<!-- async-snippet -->\n```html\n([\s\S]*?)```/)![1]
    const html = `<!doctype html><html><head>${snippet
      .replace('conference-ui', 'async-ui')
      .replace('https://horn.example.com/api', server.url)}
<script>
  window.queuedAt = Date.now()
  for (let i = 0; i < 50; i++) hornLogger.info('entry ' + i, { queued: true })
</script></head><body></body></html>`
    // Hold the bundle back a little, so the queue really is used.
    await page.route('**/dist/horn-logger.min.js', async (route) => {
      await new Promise((r) => setTimeout(r, 300))
      await route.continue()
    })
    await page.goto(server.page('async.html', html))
    await page.waitForFunction(() => typeof (window as any).hornLogger.stats == 'function')
    const text = await flushAndRead(page, server, FLUSH_MS)
    const queuedAt = await page.evaluate(() => (window as any).queuedAt)
    expect(entryNumbers(text)).toEqual(range(50))
    // The first entry is the page-info line, logged when the script ran; the queued ones keep their own times.
    expect(lines(text)[0]).toMatch(/ INFO page info \{/)
    const firstTime = Date.parse(lines(text).find((line) => / entry 0 /.test(line))!.split(' ')[0])
    expect(Math.abs(firstTime - queuedAt)).toBeLessThan(100)
  })

  it('HornLogger.createLogger makes more loggers, each with its own app session', async () => {
    const page = await browser.context.newPage()
    await page.goto(server.page('two.html', agentPage({ 'client-id': 'two', 'api-url': server.url })))
    const ids = await page.evaluate(async () => {
      const second = (window as any).HornLogger.createLogger({ clientId: 'two-b', apiUrl: location.origin })
      return [await (window as any).hornLogger.ready, await second.ready]
    })
    expect(new Set(ids).size).toBe(2)
  })
})
