/**
 * SPEC section 4 proved in one engine: the built script-tag bundle against
 * the reference server, through the page-driver interface of `driver.ts`.
 * Written once; `chromium.test.ts`, `firefox.test.ts` and `webkit.test.ts`
 * each run it in their engine. A step an engine cannot take the same way is
 * named in the test's title, never skipped.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error: plain JavaScript module with JSDoc types
import { DEMO_CSP } from '../../demo/server.mjs'
import { agentPage, entryNumbers, flushedId, holdLogs, indexesOf, lines, range, readAgentKeys, startServer, waitFor, type HornServer } from '../support/harness'
import { killAll, tempDir, type Engine, type EngineBrowser, type EnginePage } from './driver'
import { HARMLESS, PLANTED_URL_QUERY, SECRETS, SHAPES, plantShapes, readAgentDatabase } from '../support/shapes'

// The agent's globals (`hornLogger`, `HornLogger`) are typed by src/script.ts; the tests reach them
// as `(window as any)`, loosely on purpose: they poke at them with wrong arguments.
declare global {
  interface Window {
    warnings?: string[]
    violations?: string[]
    inlineRan?: boolean
  }
}

/** Opens `url` in a new page and waits until the script tag has made `window.hornLogger`. */
async function open(browser: EngineBrowser, url: string): Promise<EnginePage> {
  const page = await browser.newPage()
  await page.goto(url)
  await agentOn(page)
  return page
}

/** Waits for the agent on the page's current document (navigation may still be under way). */
function agentOn(page: EnginePage) {
  return waitFor('window.hornLogger', () => page.evaluate(() => typeof (window as any).hornLogger?.stats === 'function').catch(() => false), 15_000)
}

const appSessionId = (page: EnginePage) => page.evaluate(() => (window as any).hornLogger.appSessionId as string | undefined)

/**
 * Script-tag attributes that leave out the page-info first line (`data-log-page-info="false"`),
 * for pages whose test counts entries, lines or stats exactly. The register test proves the line itself.
 */
const NO_PAGE_INFO = { 'log-page-info': 'false' }

/** A port nothing listens on (and no browser bans): connections to it are refused. */
function closedPort(): Promise<number> {
  const probe = createServer()
  return new Promise((resolve) =>
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo
      probe.close(() => resolve(port))
    }),
  )
}

/** A fixed pseudo-random sequence, so a failing run can be replayed. */
function seeded(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
}

export function provePromises(engine: Engine): void {
  describe(`${engine.name}: ${engine.version}`, () => {
    let browser: EngineBrowser | undefined

    beforeAll(async () => {
      browser = await engine.launch()
    })
    afterAll(async () => {
      await browser?.close().catch(() => {})
      await engine.shutdown()
      killAll()
    })

    describe('a healthy server', () => {
      let server: HornServer
      const bodies: string[] = []
      /** Every logs request's body as it arrived, with its app session and index (refused ones too). */
      const sent: Array<{ id: string; index: number | undefined; body: string }> = []
      beforeAll(async () => {
        server = await startServer({
          onLogs: (_req, info) => {
            bodies.push(info.body)
            sent.push({ id: info.appSessionId, index: info.index, body: info.body })
          },
        })
      })
      afterAll(() => server?.close())

      it('registers one app session (started, url, channel); ready and appSessionId give its id; its log starts with the page-info line', async () => {
        const before = Date.now()
        const url = server.page('register.html', agentPage({ 'client-id': 'register', 'api-url': server.url, channel: 'chan-1', release: '4.2.0', environment: 'test' }))
        const page = await open(browser!, url)
        const id = await page.evaluate(() => (window as any).hornLogger.ready as Promise<string>)
        expect(typeof id).toBe('string')
        expect(await appSessionId(page)).toBe(id)
        const session = server.state.appSessions().find((s) => s.id === id)!
        expect(session).toMatchObject({ clientId: 'register', url, channels: ['chan-1'] })
        expect(session.started).toBeGreaterThanOrEqual(before - 1000)
        expect(session.started).toBeLessThanOrEqual(Date.now())
        expect(server.arrivals.filter((r) => r.path === '/app_sessions/new/register')).toHaveLength(1)
        // The page-info line is logged when the logger starts: the first line, one entry in stats(), before any of the app's.
        const after = await page.evaluate(async () => {
          const log = (window as any).hornLogger
          log.info('entry 0')
          return { flushed: await log.flush({ timeout: 10_000 }), stats: log.stats(), userAgent: navigator.userAgent, language: navigator.language }
        })
        expect(after.flushed).toBe(true)
        expect(after.stats).toMatchObject({ logged: 2, acknowledged: 2, dropped: 0, pending: 0 })
        const [first, ...rest] = lines(server.state.logs(id))
        const match = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO page info (\{.*\})$/.exec(first)
        expect(match, first).not.toBeNull()
        expect(JSON.parse(match![1])).toMatchObject({ userAgent: after.userAgent, language: after.language, release: '4.2.0', environment: 'test' })
        expect(entryNumbers(rest.join('\n'))).toEqual([0])
        expect(rest).toHaveLength(1)
        await page.close()
      })

      it('delivers 1,000 entries exactly once, in order, indexes 0, 1, 2, …, every request under 64 KiB', async () => {
        bodies.length = 0
        const page = await open(browser!, server.page('thousand.html', agentPage({ 'client-id': 'thousand', 'api-url': server.url, ...NO_PAGE_INFO })))
        const result = await page.evaluate(async () => {
          const log = (window as any).hornLogger
          for (let i = 0; i < 1000; i++) log.info(`entry ${i}`, { i, room: 'blue', text: 'x'.repeat(i % 50) })
          return { flushed: await log.flush({ timeout: 30_000 }), id: log.appSessionId as string, stats: log.stats() }
        })
        expect(result.flushed).toBe(true)
        expect(entryNumbers(server.state.logs(result.id))).toEqual(range(1000))
        const indexes = indexesOf(server, result.id)
        expect(indexes.length).toBeGreaterThan(1)
        expect(indexes).toEqual(range(indexes.length))
        expect(bodies.length).toBeGreaterThanOrEqual(indexes.length)
        for (const body of bodies) expect(Buffer.byteLength(body)).toBeLessThan(64 * 1024)
        expect(result.stats).toMatchObject({ logged: 1000, persisted: 1000, acknowledged: 1000, dropped: 0, pending: 0 })
        expect(server.state.conflicts).toHaveLength(0)
        await page.close()
      })

      it('formats text lines (ISO time, level, message, context JSON) and never sends redacted values', async () => {
        const page = await open(browser!, server.page('format.html', agentPage({ 'client-id': 'format', 'api-url': server.url, ...NO_PAGE_INFO })))
        const id = await page.evaluate(async () => {
          const log = (window as any).hornLogger
          log.warn('line one\nline two', { user: { name: 'ann', Password: 'hunter2', nested: [{ token: 't0k3n' }] } })
          log.error(new Error('boom'))
          await log.flush({ timeout: 10_000 })
          return log.appSessionId as string
        })
        const [warn, error] = server.state.logs(id)!.split('\n')
        expect(warn).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN line one\\nline two \{/)
        expect(warn).toContain('"Password":"[redacted]"')
        expect(warn).toContain('"token":"[redacted]"')
        expect(error).toMatch(/ERROR Error: boom \{"error":\{"name":"Error","message":"boom","stack":/)
        expect(server.state.logs(id)).not.toMatch(/hunter2|t0k3n/)
        await page.close()
      })

      it('linkUser sends the headers the app supplies, and rejects naming the status when refused', async () => {
        const page = await open(browser!, server.page('link.html', agentPage({ 'client-id': 'link', 'api-url': server.url })))
        const refused = await page.evaluate(() =>
          (window as any).hornLogger.linkUser({ headers: { Authorization: 'Bearer wrong' } }).then(
            () => 'linked',
            (error: Error) => String(error.message),
          ),
        )
        expect(refused).toMatch(/401/)
        await page.evaluate(() => (window as any).hornLogger.linkUser({ headers: { Authorization: 'Bearer demo-alice' } }))
        const id = (await appSessionId(page))!
        const links = server.state.requests.filter((r) => r.path === `/app_sessions/${id}/link/user` && r.status === 200)
        expect(links).toHaveLength(1)
        expect(links[0].headers.authorization).toBe('Bearer demo-alice')
        expect(JSON.stringify(server.state.appSessions().find((s) => s.id === id)!.users)).toContain('1001')
        await page.close()
      })

      it('hostile input: never throws, whatever it is given, and delivers every entry', async () => {
        // Its own logger, without the repeat limit: the same message is logged 16 × 4 times here on purpose.
        const page = await open(browser!, server.page('hostile.html', agentPage({ 'client-id': 'hostile-tag', 'api-url': server.url, ...NO_PAGE_INFO })))
        const result = await page.evaluate(async (apiUrl) => {
          const log = (window as any).HornLogger.createLogger({ clientId: 'hostile', apiUrl, logPageInfo: false, repeatLimit: 0 })
          const circular: Record<string, unknown> = { name: 'loop' }
          circular.self = circular
          const getter = Object.defineProperty({}, 'bad', {
            enumerable: true,
            get() {
              throw new Error('getter says no')
            },
          })
          const trap = () => {
            throw new Error('trap')
          }
          const proxy = new Proxy({}, { ownKeys: trap, get: trap, getPrototypeOf: trap })
          const weirdError = new Error('odd')
          Object.defineProperty(weirdError, 'message', { get: trap })
          const inputs: unknown[] = [
            circular, BigInt(10), Symbol('s'), getter, proxy, document.body, 'x'.repeat(1_000_000), null, undefined, NaN,
            () => 1, [circular, [circular]], new Map([[1, 2]]), new Uint8Array(4), weirdError, Object.create(null),
          ]
          let thrown = 0
          for (const method of ['debug', 'info', 'warn', 'error']) {
            for (const a of inputs) {
              for (const b of inputs) {
                try {
                  log[method](a, b)
                } catch {
                  thrown++
                }
              }
            }
          }
          // Promise-returning methods may reject (linkUser without a user: 401), never throw.
          for (const call of [() => log.flush('nonsense'), () => log.linkUser(42), () => log.stats(1), () => log.flush({ timeout: -1 })]) {
            try {
              call()?.catch?.(() => {})
            } catch {
              thrown++
            }
          }
          return { thrown, count: inputs.length, flushed: await log.flush({ timeout: 30_000 }), id: log.appSessionId as string, stats: log.stats() }
        }, server.url)
        const expected = 4 * result.count * result.count
        expect(result.thrown).toBe(0)
        expect(result.flushed).toBe(true)
        expect(result.stats).toMatchObject({ logged: expected, acknowledged: expected })
        const text = server.state.logs(result.id)!
        expect(text.split('\n').filter(Boolean)).toHaveLength(expected)
        expect(text).toContain('[Circular]')
        expect(text).toContain('<body>')
        expect(text).toContain('truncated')
        await page.close()
      })

      it('without IndexedDB: keeps delivering from memory and says so once', async () => {
        const breakIt = `<script>
          window.warnings = []
          const warn = console.warn
          console.warn = function (...args) { window.warnings.push(args.map(String).join(' ')); return warn.apply(this, args) }
          Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true })
        </script>`
        const html = agentPage({ 'client-id': 'no-idb', 'api-url': server.url, ...NO_PAGE_INFO }).replace('<script src', `${breakIt}<script src`)
        const page = await open(browser!, server.page('no-idb.html', html))
        const result = await page.evaluate(async () => {
          const log = (window as any).hornLogger
          for (let i = 0; i < 300; i++) log.info(`entry ${i}`)
          return { indexedDB: typeof window.indexedDB, flushed: await log.flush({ timeout: 20_000 }), id: log.appSessionId as string, stats: log.stats(), warnings: window.warnings! }
        })
        expect(result.indexedDB).toBe('undefined')
        expect(result.flushed).toBe(true)
        expect(entryNumbers(server.state.logs(result.id))).toEqual(range(300))
        expect(result.stats.persisted).toBe(300)
        expect(result.warnings.filter((w) => /IndexedDB/.test(w))).toHaveLength(1)
        await page.close()
      })

      it('navigate away right after logging 200 entries, then come back: all 200 arrive once, under the first app session', async () => {
        const first = server.page('leave.html', agentPage({ 'client-id': 'leave', 'api-url': server.url }))
        const page = await open(browser!, first)
        const id = await page.evaluate(async () => {
          const log = (window as any).hornLogger
          const id = (await log.ready) as string
          for (let i = 0; i < 200; i++) log.info(`entry ${i}`, { i })
          return id
        })
        await page.goto(server.page('elsewhere.html', agentPage({ 'client-id': 'leave', 'api-url': server.url })))
        await agentOn(page)
        await page.back()
        await waitFor('the first page again', () => page.evaluate(() => location.pathname === '/leave.html').catch(() => false), 15_000)
        await agentOn(page)
        const back = await page.evaluate(async () => {
          const log = (window as any).hornLogger
          for (let i = 0; i < 50; i++) log.info(`back ${i}`)
          return { flushed: await log.flush({ timeout: 20_000 }), id: log.appSessionId as string }
        })
        expect(back.flushed).toBe(true)
        await waitFor('the first visit’s 200 entries', () => entryNumbers(server.state.logs(id)).length >= 200, 30_000)
        expect(entryNumbers(server.state.logs(id))).toEqual(range(200))
        expect(indexesOf(server, id)).toEqual(range(indexesOf(server, id).length))
        // Back/forward cache or a fresh load: either way the later entries arrive once, under the page's session.
        expect(entryNumbers(server.state.logs(back.id), 'back')).toEqual(range(50))
        // And nowhere else: no other app session of this client holds any of them.
        for (const other of server.state.appSessions().filter((s) => s.clientId === 'leave' && s.id !== id)) {
          expect(entryNumbers(server.state.logs(other.id))).toEqual([])
        }
        // The page-info line, logged (and stored) before the 200, is there once too.
        expect(lines(server.state.logs(id)).filter((line) => / INFO page info \{/.test(line))).toHaveLength(1)
        // One 409 is allowed, as documented (protocol: "409 Conflict"): the batch sealed at pagehide went out
        // before its IndexedDB write, the write was lost to the navigation, and the next load cut that index
        // again from what was stored, the page-info line alone: a prefix of the body the server holds, same index
        // and time. Any other conflict (another session, a body that is not a prefix) fails.
        for (const conflict of server.state.conflicts as Array<{ appSessionId: string; index: number }>) {
          expect(conflict.appSessionId).toBe(id)
          const heldBody = server.state.batches(id).find((b) => b.index === conflict.index)!.body
          const held = JSON.parse(heldBody) as { time: number; data: string }
          const refused = sent
            .filter((s) => s.id === id && s.index === conflict.index && s.body !== heldBody)
            .map((s) => JSON.parse(s.body) as { time: number; data: string; index: number })
          expect(refused.length).toBeGreaterThan(0)
          for (const body of refused) {
            expect(body).toMatchObject({ index: conflict.index, time: held.time })
            expect(held.data.startsWith(body.data)).toBe(true)
            expect(body.data.length).toBeLessThan(held.data.length)
          }
        }
        await page.close()
      })

      // Firefox decides before `pagehide` and never caches a page holding a Web Lock, which the agent holds until then.
      const cached = engine.name !== 'firefox'
      it(`lobby → room → Back, the agent on both pages: ${cached ? 'the lobby comes back from the back/forward cache (the same document) and carries on its app session' : 'Firefox does not cache the lobby (the agent holds its lock): it reloads, with a new app session'}; every entry once`, async () => {
        // The page's own state: a document restored from the cache keeps it, a reloaded one draws anew.
        const body = `<script>window.state = Math.random(); addEventListener('pageshow', (e) => { window.shows = (window.shows || []).concat(e.persisted) })</script>`
        const attrs = { 'client-id': 'bf', 'api-url': server.url, ...NO_PAGE_INFO }
        const page = await open(browser!, server.page('bf-lobby.html', agentPage(attrs, body)))
        const before = await page.evaluate(async () => {
          const log = (window as any).hornLogger
          const id = (await log.ready) as string
          for (let i = 0; i < 100; i++) log.info(`lobby ${i}`)
          return { id, state: (window as any).state as number }
        })
        await page.goto(server.page('bf-room.html', agentPage(attrs, body)))
        await agentOn(page)
        const room = await page.evaluate(async () => {
          const log = (window as any).hornLogger
          for (let i = 0; i < 100; i++) log.info(`room ${i}`)
          return { flushed: await log.flush({ timeout: 20_000 }), id: log.appSessionId as string, stats: log.stats(), w: (window as any).warnings }
        })
        expect(room, JSON.stringify(room)).toMatchObject({ flushed: true })
        await page.back()
        await waitFor('the lobby again', () => page.evaluate(() => location.pathname === '/bf-lobby.html').catch(() => false), 15_000)
        await agentOn(page)
        const after = await page.evaluate(async () => {
          const log = (window as any).hornLogger
          for (let i = 100; i < 150; i++) log.info(`lobby ${i}`)
          const w = window as any
          return { state: w.state as number, shows: w.shows as boolean[], id: log.appSessionId as string, flushed: await log.flush({ timeout: 20_000 }) }
        })
        expect(after.flushed).toBe(true)
        if (cached) {
          expect(after.state).toBe(before.state)
          expect(after.shows).toEqual([false, true])
          expect(after.id).toBe(before.id)
          expect(entryNumbers(server.state.logs(before.id), 'lobby')).toEqual(range(150))
        } else {
          expect(after.state).not.toBe(before.state)
          expect(after.shows).toEqual([false])
          expect(after.id).not.toBe(before.id)
          await waitFor('the first lobby’s entries', () => entryNumbers(server.state.logs(before.id), 'lobby').length >= 100, 20_000)
          expect(entryNumbers(server.state.logs(before.id), 'lobby')).toEqual(range(100))
          expect(entryNumbers(server.state.logs(after.id), 'lobby')).toEqual(range(50, 100))
        }
        expect(indexesOf(server, before.id)).toEqual(range(indexesOf(server, before.id).length))
        await waitFor('the room’s entries', () => entryNumbers(server.state.logs(room.id), 'room').length >= 100, 20_000)
        expect(entryNumbers(server.state.logs(room.id), 'room')).toEqual(range(100))
        // The lobby's (one, continued; two in Firefox) and the room's.
        expect(server.state.appSessions().filter((s) => s.clientId === 'bf').map((s) => s.id).sort()).toEqual(
          [before.id, room.id, ...(cached ? [] : [after.id])].sort(),
        )
        await page.close()
      })
    })

    it('a tab closed right after logging 200 entries: its unload sends them, each once', async () => {
      const server = await startServer()
      try {
        const page = await open(browser!, server.page('closing.html', agentPage({ 'client-id': 'closing', 'api-url': server.url })))
        const id = await page.evaluate(async () => {
          const id = (await (window as any).hornLogger.ready) as string
          for (let i = 0; i < 200; i++) (window as any).hornLogger.info(`entry ${i}`, { i })
          return id
        })
        await page.close()
        await waitFor('the closed tab’s 200 entries', () => entryNumbers(server.state.logs(id)).length >= 200, 30_000)
        expect(entryNumbers(server.state.logs(id))).toEqual(range(200))
        expect(indexesOf(server, id)).toEqual(range(indexesOf(server, id).length))
      } finally {
        await server.close()
      }
    })

    it('a closed tab whose unload requests were refused (503): the next load delivers what it had stored, once, to its app session', async () => {
      const hold = holdLogs()
      const server = await startServer({ onLogs: hold.onLogs })
      try {
        const page = await open(browser!, server.page('closed.html', agentPage({ 'client-id': 'closed', 'api-url': server.url, ...NO_PAGE_INFO })))
        const closedId = await page.evaluate(async () => {
          const log = (window as any).hornLogger
          const id = (await log.ready) as string
          for (let i = 0; i < 200; i++) log.info(`entry ${i}`, { i })
          for (let n = 0; n < 200 && log.stats().persisted < 200; n++) await new Promise((r) => setTimeout(r, 50))
          return id
        })
        // Nothing is acknowledged before the tab is gone: what it sends while closing is held, then refused.
        await page.close()
        await waitFor('the closed tab’s unload request', () => server.arrivals.some((r) => r.path === `/app_sessions/${closedId}/logs`), 10_000)
        hold.release()
        const next = await open(browser!, server.page('after-close.html', agentPage({ 'client-id': 'closed', 'api-url': server.url })))
        await waitFor('the closed tab’s 200 entries', () => entryNumbers(server.state.logs(closedId)).length >= 200, 30_000)
        expect(entryNumbers(server.state.logs(closedId))).toEqual(range(200))
        expect(indexesOf(server, closedId)).toEqual(range(indexesOf(server, closedId).length))
        expect(entryNumbers(server.state.logs(await next.evaluate(() => (window as any).hornLogger.ready as Promise<string>)))).toEqual([])
        expect(server.state.conflicts).toHaveLength(0)
        await next.close()
      } finally {
        await server.close()
      }
    })

    it(`offline: no request while offline, everything once back online${engine.name === 'webkit' ? ' (WebKit: offline emulated in the page, navigator.onLine and the offline/online events, since WebDriver cannot take MiniBrowser offline)' : ''}`, async () => {
      const server = await startServer()
      try {
        const page = await open(browser!, server.page('offline.html', agentPage({ 'client-id': 'offline', 'api-url': server.url, ...NO_PAGE_INFO })))
        const id = await page.evaluate(() => (window as any).hornLogger.ready as Promise<string>)
        const setOffline = async (offline: boolean) => {
          if (page.setOffline) return page.setOffline(offline)
          await page.evaluate((offline) => {
            Object.defineProperty(navigator, 'onLine', { get: () => !offline, configurable: true })
            dispatchEvent(new Event(offline ? 'offline' : 'online'))
          }, offline)
        }
        await setOffline(true)
        const offlineAt = Date.now()
        const onLine = await page.evaluate(() => {
          for (let i = 0; i < 500; i++) (window as any).hornLogger.info(`entry ${i}`, { i })
          // Ask for delivery now: it must wait for the network anyway.
          void (window as any).hornLogger.flush({ timeout: 60_000 })
          return navigator.onLine
        })
        expect(onLine).toBe(false)
        await waitFor('the entries stored', () => page.evaluate(() => (window as any).hornLogger.stats().persisted >= 500), 10_000)
        // Longer than the flush interval: a careless agent would have tried by now.
        await new Promise((resolve) => setTimeout(resolve, 1500))
        const onlineAt = Date.now()
        await setOffline(false)
        expect(await page.evaluate(() => (window as any).hornLogger.flush({ timeout: 30_000 }))).toBe(true)
        expect(server.arrivals.filter((r) => r.path.endsWith('/logs') && r.time >= offlineAt && r.time < onlineAt)).toEqual([])
        expect(entryNumbers(server.state.logs(id))).toEqual(range(500))
        await page.close()
      } finally {
        await server.close()
      }
    })

    it('a strict Content-Security-Policy (no inline script, no eval): the agent runs and breaks none of it', async () => {
      const server = await startServer({ contentSecurityPolicy: DEMO_CSP })
      try {
        server.page('watch.js', `window.violations = []
          document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.violatedDirective + ' ' + e.blockedURI))`)
        server.page('app.js', `for (let i = 0; i < 100; i++) hornLogger.info('entry ' + i, { i })`)
        const html = agentPage({ 'client-id': 'csp', 'api-url': server.url })
          .replace('<script src', '<script src="/watch.js"></script><script>window.inlineRan = true</script><script src')
          .replace('</body>', '<script src="/app.js"></script></body>')
        const page = await open(browser!, server.page('csp.html', html))
        const result = await page.evaluate(async () => {
          const log = (window as any).hornLogger
          const flushed = await log.flush({ timeout: 20_000 })
          return { flushed, id: log.appSessionId as string, inlineRan: window.inlineRan ?? false, violations: window.violations! }
        })
        // The policy is in force: the page's own inline probe was blocked, and that is the only violation.
        expect(result.inlineRan).toBe(false)
        expect(result.violations).toHaveLength(1)
        expect(result.violations[0]).toMatch(/^script-src/)
        expect(result.flushed).toBe(true)
        expect(entryNumbers(server.state.logs(result.id))).toEqual(range(100))
        await page.close()
      } finally {
        await server.close()
      }
    })

    it('signal, not noise: 10,000 throws of one error give 10 lines and a count; default noise ignored; failed fetch and XHR calls of the page logged, redacted, never the agent’s own; 3 identical CSP violations give one line', async () => {
      // Scripts and requests may go to the other origins used here; images may not.
      const server = await startServer({ contentSecurityPolicy: "default-src 'self' http://127.0.0.1:*; img-src 'self'" })
      const refused = `http://127.0.0.1:${await closedPort()}/refused`
      // Another origin (another port): an image there is blocked.
      const elsewhere = await startServer()
      const other = elsewhere.url
      try {
        const page = await open(browser!, server.page('noise.html', agentPage({ 'client-id': 'noise', 'api-url': server.url, ...NO_PAGE_INFO })))
        const id = await page.evaluate(() => (window as any).hornLogger.ready as Promise<string>)
        const seen = await page.evaluate(async (other: string) => {
          const log = (window as any).hornLogger
          const seen: string[] = []
          addEventListener('error', (e) => seen.push(e.message))
          const boom = () => new TypeError('x is undefined')
          for (let i = 0; i < 10_000; i++) {
            reportError(boom())
            if (i % 1000 == 0) log.info('marker ' + i)
          }
          // Noise: a cross-origin script's error, and an uncaught error whose every frame is an extension's.
          // As a cross-origin script's error reaches a page (Chromium's real one: test/browser/noise.test.ts).
          dispatchEvent(new ErrorEvent('error', { message: 'Script error.' }))
          const error = new Error('extension trouble')
          error.stack = 'run@moz-extension://0f3c/content.js:1:10\nchrome-extension://abcdefgh/content.js:9:2'
          dispatchEvent(new ErrorEvent('error', { error, message: 'Error: extension trouble', filename: 'safari-web-extension://AB12/content.js' }))
          return seen
        }, other)
        server.controls.logsDown(10)
        await page.evaluate(async ({ other, refused }: { other: string; refused: string }) => {
          // The page's own requests: two 503s from the logs endpoint (down), a 404, a refused connection.
          const body = JSON.stringify({ time: Date.now(), data: 'x\n' })
          const headers = { 'Content-Type': 'application/json' }
          await fetch('/app_sessions/page-call/logs?token=s3cr3t-value', { method: 'POST', body, headers })
          const xhr = (method: string, url: string, send?: string) =>
            new Promise((resolve) => {
              const request = new XMLHttpRequest()
              request.open(method, url)
              if (send) request.setRequestHeader('Content-Type', 'application/json')
              request.onloadend = resolve
              request.send(send)
            })
          await xhr('POST', '/app_sessions/page-call/logs?token=s3cr3t-value', body)
          await fetch('/no-such-page')
          await fetch(refused).catch(() => {})
          // Three identical CSP violations.
          await new Promise<void>((resolve) => {
            let n = 0
            document.addEventListener('securitypolicyviolation', () => ++n == 3 && resolve())
            for (let i = 0; i < 3; i++) document.body.appendChild(document.createElement('img')).src = other + '/pixel.png'
          })
        }, { other, refused })
        // Every noise case reached the page (so the agent saw it too).
        expect(seen.filter((m) => /x is undefined/.test(m))).toHaveLength(10_000)
        expect(seen.some((m) => m.startsWith('Script error'))).toBe(true)
        expect(seen).toContain('Error: extension trouble')
        await waitFor('the agent’s own logs request answered 503', () => server.state.requests.some((r) => r.path == `/app_sessions/${id}/logs` && r.status == 503), 10_000)
        server.controls.logsUp()
        const flushed = await page.evaluate(() => (window as any).hornLogger.flush({ timeout: 20_000 }))
        expect(flushed).toBe(true)
        const all = lines(server.state.logs(id))
        const text = all.join('\n')
        expect(all.filter((l) => / ERROR TypeError: x is undefined /.test(l))).toHaveLength(10)
        expect(text).toMatch(/ ERROR horn-logger suppressed 9990 repeats of: TypeError: x is undefined/)
        expect(all.filter((l) => / INFO marker \d+$/.test(l)).map((l) => Number(l.split(' ').pop()))).toEqual(range(10).map((i) => i * 1000))
        expect(text).not.toMatch(/Script error|extension trouble|s3cr3t|no-such-page/)
        expect(text).not.toContain(`/app_sessions/${id}/logs`)
        const warns = all.filter((l) => / WARN /.test(l))
        expect(warns.filter((l) => / WARN (fetch|xhr) POST \/app_sessions\/page-call\/logs\?token=\[redacted\] 503 \(\d+ ms\)$/.test(l))).toHaveLength(2)
        expect(warns.filter((l) => / WARN fetch GET http:\/\/127\.0\.0\.1:\d+\/refused failed: TypeError/.test(l))).toHaveLength(1)
        expect(warns.filter((l) => / WARN CSP img-src blocked http:\/\/127\.0\.0\.1:\d+\/pixel\.png/.test(l))).toHaveLength(1)
        expect(all).toHaveLength(10 + 1 + 10 + 4)
        await page.close()
      } finally {
        await server.close()
        await elsewhere.close()
      }
    })

    it('a flaky server (25 % 503, 10 % 429 with Retry-After: 1, 5 % connections dropped before the answer, 5 % after the batch was stored): 1,000 entries exactly once, in order', async () => {
      const random = seeded(42)
      const faults = { s503: 0, s429: 0, dropped: 0, answerLost: 0 }
      const tried = new Set<number>()
      const attempts = new Map<number, number>()
      const server = await startServer({
        onLogs: (req, { index }) => {
          const socket = (req as { socket: Socket }).socket
          // Every kind of fault at least once: the first try of batches 1–4 gets one each, in turn.
          const first = index !== undefined && !tried.has(index) && tried.add(index)
          if (index !== undefined) attempts.set(index, (attempts.get(index) ?? 0) + 1)
          const r = first && index! >= 1 && index! <= 4 ? [0, 0.05, 0.1, 0.4][index! - 1] : random()
          if (r < 0.05) {
            faults.dropped++
            // The connection ends with no answer and nothing stored: the agent sees a network error.
            socket.destroy()
            return { status: 503 }
          }
          if (r < 0.1) {
            faults.answerLost++
            // The batch is stored, then the connection ends instead of the 200: the agent must resend the same body.
            socket.write = (() => (socket.destroy(), false)) as typeof socket.write
            return undefined
          }
          if (r < 0.35) return void faults.s503++, { status: 503 }
          if (r < 0.45) return void faults.s429++, { status: 429, headers: { 'Retry-After': '1' } }
          return undefined
        },
      })
      try {
        const page = await open(browser!, server.page('flaky.html', agentPage({ 'client-id': 'flaky', 'api-url': server.url })))
        const result = await page.evaluate(async () => {
          // Small batches, so the run sees many requests and every kind of fault.
          const log = (window as any).HornLogger.createLogger({ clientId: 'flaky-1k', apiUrl: location.origin, maxBatchBytes: 4096 })
          for (let i = 0; i < 1000; i++) log.info(`entry ${i}`, { i })
          return { flushed: await log.flush({ timeout: 150_000 }), id: log.appSessionId as string, stats: log.stats() }
        })
        expect(result.flushed).toBe(true)
        expect(entryNumbers(server.state.logs(result.id))).toEqual(range(1000))
        const indexes = indexesOf(server, result.id)
        expect(indexes).toEqual(range(indexes.length))
        expect(faults.s503).toBeGreaterThan(0)
        expect(faults.s429).toBeGreaterThan(0)
        expect(faults.dropped).toBeGreaterThan(0)
        expect(faults.answerLost).toBeGreaterThan(0)
        // Batch 2 was stored but its answer lost: it was sent again (the same body, or the server would count a conflict).
        expect(attempts.get(2)).toBeGreaterThanOrEqual(2)
        // Answered faults are always the agent's to retry; a dropped connection the browser itself may retry, unseen.
        expect(result.stats.retries).toBeGreaterThanOrEqual(faults.s503 + faults.s429 - 1)
        expect(server.state.conflicts).toHaveLength(0)
        await page.close()
      } finally {
        await server.close()
      }
    }, 180_000)

    it(`a killed browser (SIGKILL of its process group${engine.name === 'webkit' ? '; MiniBrowser run undriven on its profile, since WebDriver keeps its IndexedDB in memory' : ''}): the next start, two tabs at once on the same profile, delivers its 3,000 entries once, to its own app session`, async () => {
      const hold = holdLogs()
      const server = await startServer({ onLogs: hold.onLogs })
      const profile = tempDir(`horn-${engine.name}-profile-`)
      const running: Array<{ kill(): Promise<void> }> = []
      try {
        // The page drives itself: registers, logs 3,000 entries (none acknowledged: the server holds
        // every logs request), and tells the server once IndexedDB holds them all.
        const script = `<script>(async () => {
          const id = await hornLogger.ready
          for (let i = 0; i < 3000; i++) hornLogger.info('entry ' + i, { i, pad: 'p'.repeat(40) })
          for (let n = 0; n < 400 && hornLogger.stats().persisted < 3000; n++) await new Promise((r) => setTimeout(r, 50))
          fetch('/_signal/persisted/' + id + '/' + hornLogger.stats().persisted)
        })()</script>`
        const firstUrl = server.page('killed.html', agentPage({ 'client-id': 'killed', 'api-url': server.url, ...NO_PAGE_INFO }, script))
        running.push(await engine.start(profile.path, [firstUrl]))
        const signal = await waitFor('the page to report its entries stored', () => server.arrivals.find((r) => r.path.startsWith('/_signal/persisted/')), 60_000)
        const [, killedId, persisted] = /^\/_signal\/persisted\/([^/]+)\/(\d+)$/.exec(signal!.path)!
        expect(Number(persisted)).toBe(3000)
        await running[0].kill()
        hold.release()

        // Two tabs start together on the profile: between them, the killed browser's entries arrive exactly once.
        const mine = `<script>for (let i = 0; i < 10; i++) hornLogger.info('mine ' + i)</script>`
        const nextUrls = ['next-a.html', 'next-b.html'].map((name) => server.page(name, agentPage({ 'client-id': 'killed', 'api-url': server.url }, mine)))
        running.push(await engine.start(profile.path, nextUrls))
        await waitFor('the killed browser’s 3,000 entries', () => entryNumbers(server.state.logs(killedId)).length >= 3000, 90_000)
        const next = (await waitFor('each new tab’s own entries', () => {
          const sessions = nextUrls.map((url) => server.state.appSessions().find((s) => s.url === url && entryNumbers(server.state.logs(s.id), 'mine').length >= 10))
          return sessions.every(Boolean) && sessions
        })) as Array<{ id: string }>
        expect(entryNumbers(server.state.logs(killedId))).toEqual(range(3000))
        expect(entryNumbers(server.state.logs(killedId), 'mine')).toEqual([])
        expect(indexesOf(server, killedId)).toEqual(range(indexesOf(server, killedId).length))
        for (const session of next) {
          expect(session.id).not.toBe(killedId)
          expect(entryNumbers(server.state.logs(session.id), 'mine')).toEqual(range(10))
          expect(entryNumbers(server.state.logs(session.id))).toEqual([])
        }
        expect(server.state.conflicts).toHaveLength(0)
      } finally {
        for (const browser of running) await browser.kill()
        await server.close()
        profile.remove()
      }
    }, 180_000)

    describe('secrets by shape', () => {
      it('planted shapes (URL userinfo, Bearer, Basic, JWT, PEM, JSON text, header pairs, a card, the page URL) reach neither IndexedDB nor the server; harmless look-alikes stay', async () => {
        const hold = holdLogs()
        const server = await startServer({ onLogs: () => hold.onLogs() })
        try {
          const body = `<script>(${plantShapes.toString()})(window.hornLogger, ${JSON.stringify(SHAPES)}, ${JSON.stringify(HARMLESS)})</script>`
          const page = await open(browser!, server.page('shapes.html', agentPage({ 'client-id': 'shapes', 'api-url': server.url, 'capture-console': 'true', ...NO_PAGE_INFO }, body)) + PLANTED_URL_QUERY)
          const logged = await page.evaluate(() => (window as any).hornLogger.stats().logged as number)
          expect(logged).toBeGreaterThan(SHAPES.length * 4)
          // Logs are held (503): every entry waits in IndexedDB, read there by the page itself.
          await waitFor('every entry persisted', () => page.evaluate(() => (window as any).hornLogger.stats().persisted as number).then((n) => n >= logged))
          const stored = await page.evaluate(readAgentDatabase)
          expect(stored).toContain('harmless')
          for (const secret of SECRETS) expect(stored, secret).not.toContain(secret)
          hold.release()
          const id = await flushedId(page, 30_000)
          const text = server.state.logs(id)!
          expect(lines(text)).toHaveLength(logged)
          for (const secret of SECRETS) expect(text, secret).not.toContain(secret)
          for (const control of HARMLESS) expect(text, control).toContain(control)
          const session = server.state.appSessions().find((s) => s.id === id)!
          for (const secret of SECRETS) expect(session.url, secret).not.toContain(secret)
          expect(session.url).toContain('room=blue')
          await page.close()
        } finally {
          hold.release()
          await server.close()
        }
      })
    })

    describe('consent', () => {
      /** Requests of the agent, as the server saw them arrive. */
      const agentRequests = (server: HornServer, since = 0) => server.arrivals.filter((r) => r.path.startsWith('/app_sessions') && r.time >= since)
      /** What the origin holds: IndexedDB names (listed without opening one) and localStorage's length. */
      const stored = (page: EnginePage) =>
        page.evaluate(async () => ({ databases: (await indexedDB.databases()).map((d) => d.name), localStorage: localStorage.length }))
      /** Lets what must not happen have the time to show up. */
      const quiet = () => new Promise((resolve) => setTimeout(resolve, 3_000))

      it('pending: 50 entries kept in memory only (no request, no IndexedDB, no localStorage); granted: all 50 once, in order, with their own times', async () => {
        const server = await startServer()
        try {
          const page = await open(browser!, server.page('pending.html', agentPage({ 'client-id': 'pending', 'api-url': server.url, consent: 'pending', ...NO_PAGE_INFO })))
          await page.evaluate(() => {
            for (let i = 0; i < 50; i++) (window as any).hornLogger.info(`entry ${i}`)
          })
          await quiet()
          expect(agentRequests(server)).toEqual([])
          expect(await stored(page)).toEqual({ databases: [], localStorage: 0 })
          const grantedAt = await page.evaluate(() => {
            const now = Date.now()
            ;(window as any).hornLogger.setConsent('granted')
            return now
          })
          const result = await page.evaluate(async () => {
            const log = (window as any).hornLogger
            return { flushed: await log.flush({ timeout: 15_000 }), id: (await log.ready) as string }
          })
          expect(result.flushed).toBe(true)
          const text = server.state.logs(result.id)
          expect(entryNumbers(text)).toEqual(range(50))
          for (const line of lines(text)) expect(Date.parse(line.slice(0, 24))).toBeLessThan(grantedAt)
          expect(agentRequests(server).filter((r) => r.path === '/app_sessions/new/pending')).toHaveLength(1)
          await page.close()
        } finally {
          await server.close()
        }
      })

      it('pending, then denied: nothing, ever; ready rejects with code "denied"', async () => {
        const server = await startServer()
        try {
          const page = await open(browser!, server.page('denied.html', agentPage({ 'client-id': 'denied', 'api-url': server.url, consent: 'pending' })))
          const ready = await page.evaluate(async () => {
            const log = (window as any).hornLogger
            for (let i = 0; i < 50; i++) log.info(`entry ${i}`)
            log.setConsent('denied')
            log.info('entry 50')
            log.setConsent('granted') // denial is final for the page
            dispatchEvent(new Event('pagehide'))
            return log.ready.then(
              () => 'resolved',
              (error: any) => `${error.name} ${error.code}`,
            )
          })
          expect(ready).toBe('HornLoggerError denied')
          await quiet()
          expect(agentRequests(server)).toEqual([])
          expect(await stored(page)).toEqual({ databases: [], localStorage: 0 })
          await page.close()
        } finally {
          await server.close()
        }
      })

      it('granted with a logs request held by the server, then revoked: nothing more arrives, and the stored instance is deleted', async () => {
        const hold = holdLogs()
        const server = await startServer({ onLogs: hold.onLogs })
        try {
          const page = await open(browser!, server.page('revoke.html', agentPage({ 'client-id': 'revoke', 'api-url': server.url })))
          await page.evaluate(() => {
            const log = (window as any).hornLogger
            for (let i = 0; i < 20; i++) log.info(`entry ${i}`)
            void log.flush({ timeout: 60_000 })
          })
          await waitFor('a logs request held', () => server.arrivals.some((r) => r.path.endsWith('/logs')), 15_000)
          /** How many records the agent's IndexedDB store holds. */
          const keys = () => page.evaluate(readAgentKeys).then((keys) => keys.length)
          await waitFor('the instance stored', async () => (await keys()) > 0, 5_000)
          await page.evaluate(() => {
            const log = (window as any).hornLogger
            log.setConsent('denied')
            log.info('after the revoke')
            void log.flush()
            dispatchEvent(new Event('pagehide'))
          })
          const arrived = agentRequests(server).length
          await waitFor('the stored instance deleted', async () => (await keys()) === 0, 5_000)
          hold.release()
          await quiet()
          expect(agentRequests(server)).toHaveLength(arrived)
          await page.close()
        } finally {
          hold.release()
          await server.close()
        }
      })
    })
  })
}
