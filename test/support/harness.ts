/**
 * Real-browser test kit: headless Debian Chromium (playwright-core), the
 * built `dist/horn-logger.min.js`, and the reference Horn server from
 * `demo/` on 127.0.0.1, with pages written to a temporary public folder.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
// @ts-expect-error: plain JavaScript module with JSDoc types
import { createHornServer } from '../../demo/server.mjs'
// @ts-expect-error: plain JavaScript module
import { chromiumOptions } from '../../demo/chromium.mjs'


export interface Batch {
  index: number
  time: number
  data: string
  body: string
}

export interface HornServer {
  url: string
  state: {
    appSessions(): Array<{ id: string; clientId: string; url: string; started: number; channels: string[]; users: unknown[] }>
    batches(id: string): Batch[]
    logs(id: string): string | undefined
    requests: Array<{ method: string; path: string; status: number; time: number; headers: Record<string, string> }>
    conflicts: unknown[]
  }
  controls: { logsDown(seconds: number): number; logsUp(): void; reset(): void }
  /** Every request as it arrived (before any answer): method, path, time. */
  arrivals: Array<{ method: string; path: string; time: number }>
  close(): Promise<void>
  /** Writes a page into the server's public folder; returns its URL. */
  page(name: string, html: string): string
}

type OnLogs = (req: unknown, info: { appSessionId: string; index: number | undefined; body: string }) => unknown

/**
 * Starts the reference server with a fresh public folder holding the test pages.
 * `contentSecurityPolicy` is sent with every test page (none by default, so pages may use inline scripts).
 */
export async function startServer(options: { onLogs?: OnLogs; contentSecurityPolicy?: string } = {}): Promise<HornServer> {
  const publicDir = mkdtempSync(join(tmpdir(), 'horn-pages-'))
  const horn = createHornServer({ publicDir, onLogs: options.onLogs, contentSecurityPolicy: options.contentSecurityPolicy, log: () => {} })
  const arrivals: HornServer['arrivals'] = []
  horn.server.on('request', (req: { method: string; url: string }) => {
    arrivals.push({ method: req.method, path: req.url.split('?')[0], time: Date.now() })
  })
  const { url } = await horn.listen(0, '127.0.0.1')
  return {
    url,
    arrivals,
    state: horn.state,
    controls: horn.controls,
    async close() {
      await horn.close()
      rmSync(publicDir, { recursive: true, force: true })
    },
    page(name, html) {
      writeFileSync(join(publicDir, name), html)
      return `${url}/${name}`
    },
  }
}

/**
 * The reference server for the tests of the enclosing file or `describe`:
 * started in `beforeAll`, closed in `afterAll`. The object stands for that
 * server, so a test uses it as it would the one `startServer` gives.
 */
export function useServer(options: Parameters<typeof startServer>[0] = {}): HornServer {
  let server: HornServer | undefined
  beforeAll(async () => {
    server = await startServer(options)
  })
  afterAll(() => server?.close())
  const started = () => server ?? fail('the server starts in beforeAll: use it in a test or a hook')
  return {
    get url() { return started().url },
    get state() { return started().state },
    get controls() { return started().controls },
    get arrivals() { return started().arrivals },
    close: () => started().close(),
    page: (name, html) => started().page(name, html),
  }
}

function fail(message: string): never {
  throw new Error(message)
}

/**
 * The reference server as `npm run demo` serves it (demo/public, the viewer,
 * unless `options.publicDir` says otherwise), silent, on 127.0.0.1 and a free
 * port: for tests that read it over HTTP, not through its state.
 */
export async function startDemoServer(options: Record<string, unknown> = {}): Promise<{ url: string; close(): Promise<void> }> {
  const horn = createHornServer({ log: () => {}, ...options })
  const { url } = await horn.listen(0, '127.0.0.1')
  return { url, close: () => horn.close() }
}

/** An HTML page that loads the built bundle with a script tag carrying `attrs` as `data-*`. */
export function agentPage(attrs: Record<string, string>, body = ''): string {
  const data = Object.entries(attrs)
    .map(([k, v]) => ` data-${k}="${v}"`)
    .join('')
  return `<!doctype html><html><head><meta charset="utf-8"><title>horn-logger test</title>
<script src="/dist/horn-logger.min.js"${data}></script></head><body>${body}</body></html>`
}

/** A browser; `persistent` keeps IndexedDB between pages, as a real profile does. */
export async function launch(persistent = false): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (persistent) {
    const dir = mkdtempSync(join(tmpdir(), 'horn-profile-'))
    const context = await chromium.launchPersistentContext(dir, chromiumOptions())
    return {
      context,
      async close() {
        await context.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }
  const browser: Browser = await chromium.launch(chromiumOptions())
  const context = await browser.newContext()
  return { context, close: () => browser.close() }
}

/**
 * A browser (as `launch` gives it) for the tests of the enclosing file or
 * `describe`: launched in `beforeAll`, closed in `afterAll`.
 */
export function useBrowser(persistent = false): Awaited<ReturnType<typeof launch>> {
  let browser: Awaited<ReturnType<typeof launch>> | undefined
  beforeAll(async () => {
    browser = await launch(persistent)
  })
  afterAll(() => browser?.close())
  return {
    get context() { return (browser ?? fail('the browser launches in beforeAll: use it in a test or a hook')).context },
    close: () => browser?.close() ?? Promise.resolve(),
  }
}

/** A page of either driver: Playwright's, or the engine suite's (test/engines/driver.ts). */
interface Evaluates {
  evaluate<T, A>(fn: (arg: A) => T | Promise<T>, arg: A): Promise<T>
}

/** Flushes the page's agent, waiting at most `timeoutMs`, and gives its app session id. */
export function flushedId(page: Evaluates, timeoutMs: number): Promise<string> {
  return page.evaluate(async (timeout) => {
    const log = (window as any).hornLogger
    await log.flush({ timeout })
    return log.appSessionId as string
  }, timeoutMs)
}

/** Flushes the page's agent (at most `timeoutMs`) and gives what `server` holds of its app session ('' for nothing). */
export async function flushAndRead(page: Evaluates, server: HornServer, timeoutMs: number): Promise<string> {
  return server.state.logs(await flushedId(page, timeoutMs)) ?? ''
}

/** Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 30_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/** The entries of a log text, one per line. */
export function lines(text: string | undefined): string[] {
  return (text ?? '').split('\n').filter(Boolean)
}

/** The `n` of every `entry n` line, in order. */
export function entryNumbers(text: string | undefined, tag = 'entry'): number[] {
  const re = new RegExp(`\\b${tag} (\\d+)\\b`)
  return lines(text)
    .map((line) => re.exec(line)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
}

export const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i)

/** Every stored batch of an app session has the next index: 0, 1, 2, … */
export function indexesOf(server: HornServer, id: string): number[] {
  return server.state.batches(id).map((b) => b.index)
}

/**
 * Runs in the page (passed to `evaluate`): the keys of the agent's IndexedDB
 * record store. It opens the database: call it only once the agent made it.
 */
export function readAgentKeys(): Promise<string[]> {
  return new Promise<string[]>((resolve, reject) => {
    const open = indexedDB.open('horn-logger')
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const db = open.result
      const keys = db.transaction('records').objectStore('records').getAllKeys()
      keys.onsuccess = () => {
        db.close()
        resolve(keys.result as string[])
      }
    }
  })
}

export async function stats(page: Page) {
  return page.evaluate(() => (window as any).hornLogger.stats())
}

/** Holds every logs request until `release()`, then answers it 503: nothing gets acknowledged. */
export function holdLogs() {
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  let holding = true
  return {
    onLogs: async () => {
      if (!holding) return undefined
      await released
      return { status: 503 }
    },
    release() {
      holding = false
      release()
    },
  }
}
