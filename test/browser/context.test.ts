/**
 * The everyday tools in real Chromium on the built bundle: the page-info
 * first line, global context from `data-context`, child loggers, the level
 * at runtime, and the async snippet replaying context calls.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { agentPage, entryNumbers, lines, range, useBrowser, useServer } from '../support/harness'

const server = useServer()
const browser = useBrowser()

/** An attribute value, escaped for `agentPage`'s double quotes. */
const attr = (value: unknown) => JSON.stringify(value).replace(/"/g, '&quot;')

async function open(name: string, html: string, warnings: string[] = []): Promise<Page> {
  const page = await browser.context.newPage()
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()))
  await page.goto(server.page(name, html))
  await page.waitForFunction(() => typeof (window as any).hornLogger?.stats == 'function')
  return page
}

/** Runs `fn` in the page, flushes, and returns the app session's log lines. */
async function logAndRead(page: Page, fn: () => void): Promise<{ id: string; lines: string[] }> {
  await page.evaluate(fn)
  const id = await page.evaluate(async () => {
    const log = (window as any).hornLogger
    return (await log.flush({ timeout: 10_000 })) ? (log.appSessionId as string) : ''
  })
  expect(id).not.toBe('')
  return { id, lines: lines(server.state.logs(id)) }
}

/** The JSON context at the end of a text line. */
const contextOf = (line: string) => JSON.parse(line.slice(line.indexOf(' {') + 1))

describe('the first line of the app session', () => {
  it('describes the page: user agent and hints, language, time zone, screen, viewport, device, connection, release, environment', async () => {
    const page = await open(
      'page-info.html',
      agentPage({ 'client-id': 'page-info', 'api-url': server.url, release: '4.2.0', environment: 'staging', level: 'error' }),
    )
    const expected = await page.evaluate(() => {
      const nav = navigator as any
      return {
        userAgent: navigator.userAgent,
        userAgentData: JSON.parse(JSON.stringify(nav.userAgentData)),
        language: navigator.language,
        timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
        screen: `${screen.width}x${screen.height}`,
        viewport: `${innerWidth}x${innerHeight}`,
        devicePixelRatio,
        deviceMemory: nav.deviceMemory,
        hardwareConcurrency: navigator.hardwareConcurrency,
        connection: nav.connection.effectiveType,
        release: '4.2.0',
        environment: 'staging',
        logged: (window as any).hornLogger.stats().logged,
      }
    })
    const { logged, ...fields } = expected
    // One entry, logged at start whatever the level ('error' here); counted like any other.
    expect(logged).toBe(1)
    expect(fields.userAgentData.brands.length).toBeGreaterThan(0)
    expect(fields.deviceMemory).toBeGreaterThan(0)
    const { lines: log } = await logAndRead(page, () => (window as any).hornLogger.error('after'))
    expect(log).toHaveLength(2)
    expect(log[0]).toMatch(/^\S+Z INFO page info \{/)
    expect(contextOf(log[0])).toEqual(fields)
    expect(log[1]).toMatch(/ERROR after$/)
    await page.close()
  })

  it('data-log-page-info="false" leaves it out', async () => {
    const page = await open('no-page-info.html', agentPage({ 'client-id': 'no-page-info', 'api-url': server.url, 'log-page-info': 'false' }))
    expect(await page.evaluate(() => (window as any).hornLogger.stats().logged)).toBe(0)
    const { lines: log } = await logAndRead(page, () => (window as any).hornLogger.info('only me'))
    expect(log).toHaveLength(1)
    expect(log[0]).toMatch(/INFO only me$/)
    await page.close()
  })
})

describe('global context and child loggers', () => {
  it('data-context is merged into every entry, redacted; a child adds its own context in the same app session', async () => {
    const context = { tenant: 'acme', who: 'global', password: 'hunter2' }
    const page = await open('context.html', agentPage({ 'client-id': 'context', 'api-url': server.url, 'log-page-info': 'false', context: attr(context) }))
    const { id, lines: log } = await logAndRead(page, () => {
      const log = (window as any).hornLogger
      const call = log.child({ call: 'c-1', who: 'call' })
      const track = call.child({ track: 't-2' })
      log.info('entry 0')
      call.info('entry 1', { who: 'entry' })
      track.warn('entry 2')
      log.setContextProperty('build', 42)
      log.removeContextProperty('tenant')
      call.info('entry 3')
      ;(window as any).sameSession = call.appSessionId === log.appSessionId && track.appSessionId === log.appSessionId
    })
    expect(await page.evaluate(() => (window as any).sameSession)).toBe(true)
    expect(entryNumbers(log.join('\n'))).toEqual(range(4))
    expect(log.map(contextOf)).toEqual([
      { tenant: 'acme', who: 'global', password: '[redacted]' },
      { tenant: 'acme', who: 'entry', password: '[redacted]', call: 'c-1' },
      { tenant: 'acme', who: 'call', password: '[redacted]', call: 'c-1', track: 't-2' },
      { who: 'call', password: '[redacted]', build: 42, call: 'c-1' },
    ])
    expect(server.state.logs(id)).not.toContain('hunter2')
    await page.close()
  })

  it('data-context that is not JSON: one warning, ignored, logging goes on', async () => {
    const warnings: string[] = []
    const page = await open('bad-context.html', agentPage({ 'client-id': 'bad-context', 'api-url': server.url, 'log-page-info': 'false', context: '{tenant:' }), warnings)
    const { lines: log } = await logAndRead(page, () => (window as any).hornLogger.info('fine'))
    expect(log).toHaveLength(1)
    expect(log[0]).toMatch(/INFO fine$/)
    expect(warnings.filter((w) => /data-context/.test(w))).toHaveLength(1)
    await page.close()
  })
})

describe('level at runtime', () => {
  it('setLevel changes what is kept from then on; `level` says which; data-level was only the start', async () => {
    const page = await open('level.html', agentPage({ 'client-id': 'level', 'api-url': server.url, 'log-page-info': 'false', level: 'warn' }))
    const { lines: log } = await logAndRead(page, () => {
      const log = (window as any).hornLogger
      const levels = [log.level]
      log.info('dropped 1')
      log.warn('entry 0')
      log.setLevel('debug')
      levels.push(log.level)
      log.debug('entry 1')
      log.child({ c: 1 }).info('entry 2')
      log.setLevel('error')
      levels.push(log.level)
      log.warn('dropped 2')
      log.error('entry 3')
      ;(window as any).levels = levels
    })
    expect(await page.evaluate(() => (window as any).levels)).toEqual(['warn', 'debug', 'error'])
    expect(entryNumbers(log.join('\n'))).toEqual(range(4))
    expect(log.join('\n')).not.toContain('dropped')
    expect(await page.evaluate(() => (window as any).hornLogger.stats().logged)).toBe(4)
    await page.close()
  })
})

describe('the async snippet', () => {
  it('replays setContext, setContextProperty, removeContextProperty and setLevel in order with the queued entries', async () => {
    const snippet = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').match(/<!-- async-snippet -->\n```html\n([\s\S]*?)```/)![1]
    const html = `<!doctype html><html><head>${snippet.replace('conference-ui', 'async-context').replace('https://horn.example.com/api', server.url)}
<script>
  hornLogger.debug('entry 0')
  hornLogger.setContext({ tenant: 'acme', token: 'secret-value' })
  hornLogger.info('entry 1')
  hornLogger.setContextProperty('room', 'blue')
  hornLogger.setLevel('info')
  hornLogger.debug('dropped')
  hornLogger.removeContextProperty('tenant')
  hornLogger.info('entry 2')
</script></head><body></body></html>`
    const page = await browser.context.newPage()
    // Hold the bundle back a little, so the queue really is used.
    await page.route('**/dist/horn-logger.min.js', async (route) => {
      await new Promise((r) => setTimeout(r, 300))
      await route.continue()
    })
    await page.goto(server.page('async-context.html', html))
    await page.waitForFunction(() => typeof (window as any).hornLogger.stats == 'function')
    const { lines: log } = await logAndRead(page, () => {})
    const entries = log.filter((line) => /\bentry \d/.test(line))
    expect(entryNumbers(entries.join('\n'))).toEqual(range(3))
    expect(entries[0]).toMatch(/DEBUG entry 0$/)
    expect(contextOf(entries[1])).toEqual({ tenant: 'acme', token: '[redacted]' })
    expect(contextOf(entries[2])).toEqual({ token: '[redacted]', room: 'blue' })
    expect(log.join('\n')).not.toContain('dropped')
    expect(await page.evaluate(() => (window as any).hornLogger.level)).toBe('info')
    // The page-info line is the log's first line, before the replayed entries.
    expect(log[0]).toMatch(/INFO page info \{/)
    await page.close()
  })
})
