/**
 * Secrets that no key names, recognised by their shape (README, "Redaction"),
 * in real Chromium on the built bundle: planted in messages, context values
 * under innocent keys, an `Error`'s message and `cause`, console arguments and
 * the page URL, none of them reaches a request or IndexedDB; the harmless
 * look-alikes support staff need stay as they are.
 */
import { describe, expect, it } from 'vitest'
import type { Request } from 'playwright-core'
import { agentPage, flushedId, holdLogs, lines, stats, useBrowser, useServer, waitFor } from '../support/harness'
import { HARMLESS, PLANTED_URL_QUERY, SECRETS, SHAPES, plantShapes, readAgentDatabase } from '../support/shapes'

const hold = holdLogs()
const site = useServer({ onLogs: () => hold.onLogs() })
const browser = useBrowser()

describe('secrets by shape', () => {
  it('none of the planted shapes leaves the page or reaches IndexedDB; the harmless look-alikes stay', async () => {
    const page = await browser.context.newPage()
    const requests: string[] = []
    const pending: Promise<void>[] = []
    page.on('request', (request: Request) => {
      if (request.url().includes('/app_sessions')) pending.push(request.allHeaders().then((h) => void requests.push(request.url() + JSON.stringify(h) + (request.postData() ?? ''))))
    })
    const body = `<script>(${plantShapes.toString()})(window.hornLogger, ${JSON.stringify(SHAPES)}, ${JSON.stringify(HARMLESS)})</script>`
    await page.goto(site.page('shapes.html', agentPage({ 'log-page-info': 'false', 'client-id': 'shapes', 'api-url': site.url, 'capture-console': 'true' }, body)) + PLANTED_URL_QUERY)
    const logged = await page.evaluate(() => (window as any).hornLogger.stats().logged as number)
    expect(logged).toBeGreaterThan(SHAPES.length * 4)
    // Logs are held (503), so every entry waits in IndexedDB: read it there.
    await waitFor('every entry persisted', async () => (await stats(page)).persisted >= logged)
    const stored = await page.evaluate(readAgentDatabase)
    expect(stored).toContain('harmless')
    for (const secret of SECRETS) expect(stored, secret).not.toContain(secret)

    hold.release()
    const id = await flushedId(page, 30_000)
    await Promise.all(pending)
    const text = site.state.logs(id)!
    expect(lines(text)).toHaveLength(logged)
    for (const secret of SECRETS) {
      expect(text, secret).not.toContain(secret)
      for (const request of requests) expect(request, secret).not.toContain(secret)
    }
    for (const control of HARMLESS) expect(text, control).toContain(JSON.stringify(control).slice(1, -1))
    expect(text.split('[redacted]').length - 1).toBeGreaterThanOrEqual(SHAPES.length * 6)
    // The registered url: the encoded nested token redacted, the path and the other parameters kept.
    const url = site.state.appSessions().find((s) => s.id === id)!.url
    expect(url).toBe(`${site.url}/shapes.html?next=%2Fcb%3Ftoken%3D[redacted]&room=blue#access_token=[redacted]&state=ok`)
    await page.close()
  })
})
