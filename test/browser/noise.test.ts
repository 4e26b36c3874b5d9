/**
 * Signal, not noise, in real Chromium on the built bundle: the repeat limit,
 * the default ignored errors, failed requests of the page (fetch and XHR,
 * never the agent's own), CSP violations once each, and the page-info line
 * of an app session registered anew after a 404.
 */
import { createServer, type AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { agentPage, flushAndRead, lines, startServer, useBrowser, useServer, waitFor } from '../support/harness'

const server = useServer()
const browser = useBrowser()

/** A port nothing listens on (not one of the browser's unsafe ports): connections to it are refused. */
function closedPort(): Promise<number> {
  const probe = createServer()
  return new Promise((resolve) => probe.listen(0, '127.0.0.1', () => {
    const { port } = probe.address() as AddressInfo
    probe.close(() => resolve(port))
  }))
}

/** How long a test waits for the agent to flush what it logged. */
const FLUSH_MS = 20_000

describe('signal, not noise', () => {
  it('an error thrown 10,000 times costs 10 lines and one count that adds up; markers logged between arrive once each', async () => {
    const page = await browser.context.newPage()
    await page.goto(server.page('loop.html', agentPage({ 'client-id': 'loop', 'api-url': server.url, 'log-page-info': 'false' })))
    await page.evaluate(() => {
      const boom = () => new TypeError('x is undefined')
      for (let i = 0; i < 10_000; i++) {
        // As an uncaught error: the window's error event, dispatched at once.
        reportError(boom())
        if (i % 1000 == 0) (window as any).hornLogger.info('marker ' + i)
      }
    })
    const all = lines(await flushAndRead(page, server, FLUSH_MS))
    const errors = all.filter((l) => / ERROR TypeError: x is undefined /.test(l))
    const summaries = all.filter((l) => /horn-logger suppressed/.test(l))
    expect(errors).toHaveLength(10)
    expect(summaries).toHaveLength(1)
    expect(Number(/suppressed (\d+) repeats of: TypeError: x is undefined/.exec(summaries[0])?.[1])).toBe(9_990)
    expect(all.filter((l) => / INFO marker \d+$/.test(l)).map((l) => l.split(' ').pop())).toEqual(Array.from({ length: 10 }, (_, i) => String(i * 1000)))
    expect(all).toHaveLength(21)
    await page.close()
  })

  it('ignores known noise by default: "Script error." of a cross-origin script, ResizeObserver loops, errors all in an extension', async () => {
    // Another origin (another port): its error reaches the page without details.
    const elsewhere = await startServer()
    const crossOrigin = elsewhere.url
    elsewhere.page('cross.js', `setTimeout(() => { throw new Error('details hidden') })`)
    const second = await browser.context.newPage()
    await second.goto(server.page('noise.html', agentPage({ 'client-id': 'noise', 'api-url': server.url, 'log-page-info': 'false' })))
    // Each case is seen by the page's own listener first: the assertion is on what the agent made of it.
    await second.evaluate(
      (src) =>
        new Promise<void>((resolve) => {
          addEventListener('error', (e) => e.message == 'Script error.' && !e.filename && resolve())
          const script = document.createElement('script')
          script.src = src
          document.head.append(script)
        }),
      `${crossOrigin}/cross.js`,
    )
    await second.evaluate(() => {
      const box = document.body.appendChild(document.createElement('div'))
      return new Promise<void>((resolve) => {
        addEventListener('error', (e) => /ResizeObserver loop/.test(e.message) && resolve())
        // A box that resizes itself in its own callback: the loop notice.
        new ResizeObserver(() => (box.style.width = box.offsetWidth + 1 + 'px')).observe(box)
      })
    })
    await second.evaluate(() => {
      // What a content script's uncaught error looks like (an extension cannot be installed here).
      const error = new Error('extension trouble')
      error.stack = 'Error: extension trouble\n    at run (chrome-extension://abcdefgh/content.js:1:10)\n    at chrome-extension://abcdefgh/content.js:9:2'
      dispatchEvent(new ErrorEvent('error', { error, message: 'Uncaught Error: extension trouble', filename: 'chrome-extension://abcdefgh/content.js' }))
    })
    await second.evaluate(() => reportError(new Error('a real one')))
    const text = await flushAndRead(second, server, FLUSH_MS)
    expect(text).toContain('ERROR Error: a real one')
    expect(text).not.toMatch(/Script error|ResizeObserver|extension trouble/)
    expect(lines(text)).toHaveLength(1)
    await second.close()
    await elsewhere.close()
  })

  it('failed fetch and XHR calls of the page become one WARN line each, URL redacted; no 404 line, none for the agent’s own 503s', async () => {
    const page = await browser.context.newPage()
    await page.goto(server.page('net.html', agentPage({ 'client-id': 'net', 'api-url': server.url, 'log-page-info': 'false' })))
    const id = await page.evaluate(() => (window as any).hornLogger.ready)
    server.controls.logsDown(4)
    const refused = `http://127.0.0.1:${await closedPort()}/refused`
    await page.evaluate(async (refused) => {
      const log = (window as any).hornLogger
      log.info('before')
      // The page's own calls to the same API: logged like any other.
      const body = JSON.stringify({ time: Date.now(), data: 'x\n' })
      await fetch('/app_sessions/page-call/logs?token=s3cr3t-value', { method: 'POST', body, headers: { 'Content-Type': 'application/json' } })
      await new Promise((resolve) => {
        const xhr = new XMLHttpRequest()
        xhr.open('POST', location.origin + '/app_sessions/page-call/logs?token=s3cr3t-value')
        xhr.setRequestHeader('Content-Type', 'application/json')
        xhr.onloadend = resolve
        xhr.send(body)
      })
      await fetch('/no-such-page')
      await fetch(refused).catch(() => {})
      await new Promise((resolve) => {
        const xhr = new XMLHttpRequest()
        xhr.open('GET', refused)
        xhr.onloadend = resolve
        xhr.send()
      })
      log.info('after')
    }, refused)
    // The agent's own sends got 503s meanwhile.
    await waitFor('the agent’s own logs request answered 503', () => server.state.requests.some((r) => r.path == `/app_sessions/${id}/logs` && r.status == 503), 10_000)
    server.controls.logsUp()
    const all = lines(await flushAndRead(page, server, FLUSH_MS))
    const warns = all.filter((l) => / WARN /.test(l))
    expect(warns).toHaveLength(4)
    expect(warns[0]).toMatch(/ WARN fetch POST \/app_sessions\/page-call\/logs\?token=\[redacted\] 503 \(\d+ ms\)$/)
    expect(warns[1]).toMatch(/ WARN xhr POST http:\/\/127\.0\.0\.1:\d+\/app_sessions\/page-call\/logs\?token=\[redacted\] 503 \(\d+ ms\)$/)
    expect(warns[2]).toMatch(/ WARN fetch GET http:\/\/127\.0\.0\.1:\d+\/refused failed: TypeError: Failed to fetch \(\d+ ms\)$/)
    expect(warns[3]).toMatch(/ WARN xhr GET http:\/\/127\.0\.0\.1:\d+\/refused failed: error \(\d+ ms\)$/)
    expect(all.join('\n')).not.toContain('s3cr3t')
    expect(all.join('\n')).not.toContain(id)
    expect(all).toHaveLength(6)
    await page.close()
  })

  it('a synchronous XHR that fails is timed from its open (it fires no loadstart)', async () => {
    const page = await browser.context.newPage()
    await page.goto(server.page('sync-xhr.html', agentPage({ 'client-id': 'sync-xhr', 'api-url': server.url, 'log-page-info': 'false' })))
    await page.evaluate(() => (window as any).hornLogger.ready)
    // Nothing logged yet, so the agent sends no logs request: the 503 is the page's.
    server.controls.logsDown(1)
    await page.evaluate(() => {
      const xhr = new XMLHttpRequest()
      xhr.open('POST', location.origin + '/app_sessions/page-call/logs', false)
      xhr.setRequestHeader('Content-Type', 'application/json')
      xhr.send(JSON.stringify({ time: Date.now(), data: 'x\n' }))
    })
    server.controls.logsUp()
    // (Chromium also reports the synchronous XHR as a deprecation: another WARN line, not counted here.)
    const warns = lines(await flushAndRead(page, server, FLUSH_MS)).filter((l) => / WARN xhr /.test(l))
    expect(warns).toHaveLength(1)
    expect(warns[0]).toMatch(/ WARN xhr POST http:\/\/127\.0\.0\.1:\d+\/app_sessions\/page-call\/logs 503 \(\d+ ms\)$/)
    await page.close()
  })

  it('one line for three identical CSP violations', async () => {
    const strict = await startServer({ contentSecurityPolicy: "default-src 'self'; img-src 'self'" })
    try {
      const page = await browser.context.newPage()
      await page.goto(strict.page('csp.html', agentPage({ 'client-id': 'csp', 'api-url': strict.url, 'log-page-info': 'false' })))
      const other = strict.url.replace('127.0.0.1', 'localhost')
      await page.evaluate(
        (src) =>
          new Promise<void>((resolve) => {
            let n = 0
            document.addEventListener('securitypolicyviolation', () => ++n == 3 && resolve())
            for (let i = 0; i < 3; i++) document.body.appendChild(document.createElement('img')).src = src
          }),
        `${other}/pixel.png`,
      )
      const all = lines(await flushAndRead(page, strict, FLUSH_MS))
      expect(all).toHaveLength(1)
      expect(all[0]).toMatch(/ WARN CSP img-src blocked http:\/\/localhost:\d+\/pixel\.png/)
      await page.close()
    } finally {
      await strict.close()
    }
  })
})

it('after a 404 re-registration, the new app session starts with its own page-info line', async () => {
  let gone: string | undefined
  const forgetful = await startServer({
    onLogs: (_req, info) => {
      if (info.index === 1 && !gone) gone = info.appSessionId
      return info.appSessionId === gone && info.index! >= 1 ? { status: 404 } : undefined
    },
  })
  try {
    const page = await browser.context.newPage()
    await page.goto(forgetful.page('page.html', agentPage({})))
    const result = await page.evaluate(async () => {
      const log = (window as any).HornLogger.createLogger({ clientId: 'gone', apiUrl: location.origin, maxBatchEntries: 10 })
      const firstId = await log.ready
      for (let i = 0; i < 50; i++) log.info(`entry ${i}`)
      const flushed = await log.flush({ timeout: 30_000 })
      return { flushed, firstId, id: log.appSessionId }
    })
    expect(result.flushed).toBe(true)
    expect(result.id).not.toBe(result.firstId)
    const first = lines(forgetful.state.logs(result.firstId))
    const second = lines(forgetful.state.logs(result.id))
    expect(first[0]).toMatch(/ INFO page info \{"userAgent":/)
    expect(second[0]).toMatch(/ INFO page info \{"userAgent":/)
    expect(second.filter((l) => / page info /.test(l))).toHaveLength(1)
    // Every entry once, in order, across both.
    const numbers = [...first, ...second].filter((l) => / INFO entry \d+$/.test(l)).map((l) => Number(l.split(' ').pop()))
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => i))
  } finally {
    await forgetful.close()
  }
})
