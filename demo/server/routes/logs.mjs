// @ts-check
/**
 * An app session's log: `POST .../logs` stores a batch exactly once per index
 * (the agent's call, no token; a test's `onLogs` hook and the logs-down window
 * may answer instead), `GET .../logs` streams it back.
 */
import { HttpError } from '../errors.mjs'
import { sendJson, sleep } from '../http.mjs'
import { checkLong, checkString, parseJsonObject } from '../input.mjs'

/** `GET .../logs` reads and writes this many batches at a time, waiting for the socket between pages. */
const LOG_PAGE_BATCHES = 64

/** @param {import('../http.mjs').On} on @param {import('./index.mjs').Deps} deps */
export function logRoutes(on, { store, access, faults, onLogs }) {
  on('POST /app_sessions/:id/logs json', async ({ req, res, params, body }) => {
    const left = faults.logsDownLeftMs()
    if (left > 0) {
      throw new HttpError(503, `logs endpoint is down for ${Math.ceil(left / 1000)} more s (control)`, { 'Retry-After': String(Math.ceil(left / 1000)) })
    }
    const input = parseJsonObject(body)
    const time = checkLong(input.time, 'time')
    const data = checkString(input.data, 'data', Infinity, true)
    const index = input.index === undefined ? undefined : checkLong(input.index, 'index')
    if (!store.hasAppSession(params.id)) throw new HttpError(404, `unknown app session "${params.id}"`)
    if (onLogs) {
      const verdict = await onLogs(req, { appSessionId: params.id, index, time, data, body })
      if (verdict?.delayMs) await sleep(verdict.delayMs)
      if (verdict?.status) {
        for (const [k, v] of Object.entries(verdict.headers ?? {})) res.setHeader(k, v)
        return sendJson(res, verdict.status, verdict.body ?? { error: `answered ${verdict.status} by the onLogs hook` })
      }
    }
    // Committed when addBatch returns: only then the 2xx.
    const stored = store.addBatch(params.id, { time, data, index }, body)
    res.setHeader('X-Horn-Duplicate', String(stored.duplicate))
    sendJson(res, 200, stored)
  })
  on('GET /app_sessions/:id/logs', async ({ req, res, params }) => {
    const appSession = access.readableAppSession(req, params.id)
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Horn-Batch-Count': String(appSession.batchCount) })
    // Streamed a page of batches at a time: a large log is never held whole, and a slow reader holds back the reads.
    for (const page of store.logPages(params.id, LOG_PAGE_BATCHES)) {
      if (!res.write(page.join(''))) await new Promise((resolve) => { res.once('drain', resolve); res.once('close', resolve) })
      if (res.destroyed) return
    }
    res.end()
  })
}
