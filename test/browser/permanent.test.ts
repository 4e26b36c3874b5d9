/**
 * Permanent errors in real Chromium (README, "Permanent errors"): 413 splits
 * a batch, 404 moves the remaining batches to a new app session, other 4xx
 * drop one batch and go on, and none of them loops.
 */
import { afterEach, expect, it } from 'vitest'
import { agentPage, entryNumbers, indexesOf, launch, range, startServer, type HornServer } from '../support/harness'

let server: HornServer | undefined
let browser: Awaited<ReturnType<typeof launch>> | undefined

afterEach(async () => {
  await browser?.close()
  await server?.close()
  browser = server = undefined
})

/** Logs `n` entries with a fresh logger and flushes; returns what the page saw. */
async function run(config: Record<string, unknown>, n: number, size = 0) {
  browser = await launch()
  const page = await browser.context.newPage()
  const warnings: string[] = []
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()))
  await page.goto(server!.page('page.html', agentPage({})))
  const result = await page.evaluate(
    async ({ config, n, size }) => {
      // No page-info line: these tests count entries per batch exactly.
      const log = (window as any).HornLogger.createLogger({ apiUrl: location.origin, captureErrors: false, logPageInfo: false, ...config })
      const firstId = await log.ready
      for (let i = 0; i < n; i++) log.info(`entry ${i}`, { pad: 'x'.repeat(size) })
      const flushed = await log.flush({ timeout: 30_000 })
      return { flushed, firstId, id: log.appSessionId, stats: log.stats() }
    },
    { config, n, size },
  )
  return { ...result, warnings }
}

it('413: the refused batch is split in two, indexes stay contiguous, every entry arrives once', async () => {
  let refused = 0
  // A server that takes at most 4 KB per request (the agent's default is 32 KiB).
  server = await startServer({ onLogs: (_req, info) => (info.body.length > 4096 ? (refused++, { status: 413 }) : undefined) })
  const result = await run({ clientId: 'split' }, 200, 60)
  expect(result.flushed).toBe(true)
  expect(refused).toBeGreaterThan(0)
  expect(entryNumbers(server.state.logs(result.id))).toEqual(range(200))
  expect(indexesOf(server, result.id)).toEqual(range(indexesOf(server, result.id).length))
  expect(result.stats).toMatchObject({ acknowledged: 200, dropped: 0 })
}, 60_000)

it('404: the remaining batches go to a newly registered app session, renumbered from 0', async () => {
  let gone: string | undefined
  server = await startServer({
    onLogs: (_req, info) => {
      // The first session "disappears" after its first batch.
      if (info.index === 1 && !gone) gone = info.appSessionId
      return info.appSessionId === gone && info.index! >= 1 ? { status: 404 } : undefined
    },
  })
  const result = await run({ clientId: 'gone', maxBatchEntries: 10 }, 50)
  expect(result.flushed).toBe(true)
  expect(result.id).not.toBe(result.firstId)
  const first = entryNumbers(server.state.logs(result.firstId))
  const second = entryNumbers(server.state.logs(result.id))
  expect(first).toEqual(range(10))
  expect(second).toEqual(range(40, 10))
  expect(indexesOf(server, result.id)).toEqual(range(4))
  const registered = server.state.appSessions().find((s) => s.id === result.id)!
  expect(registered.url).toBe(server.state.appSessions().find((s) => s.id === result.firstId)!.url)
  expect(result.warnings.filter((w) => /404/.test(w))).toHaveLength(1)
}, 60_000)

it('another 4xx drops that batch once, counts it, warns once, and delivery goes on', async () => {
  let attempts = 0
  server = await startServer({
    onLogs: (_req, info) => (info.index === 1 ? (attempts++, { status: 400 }) : undefined),
  })
  const result = await run({ clientId: 'bad', maxBatchEntries: 10 }, 30)
  expect(result.flushed).toBe(true)
  expect(attempts).toBe(1)
  expect(result.stats).toMatchObject({ acknowledged: 20, dropped: 10, pending: 0 })
  expect(entryNumbers(server.state.logs(result.id))).toEqual([...range(10), ...range(10, 20)])
  expect(result.warnings.filter((w) => /HTTP 400/.test(w))).toHaveLength(1)
}, 60_000)
