// @ts-check
/**
 * An app session's log: batches kept once per index (exactly once: a retry
 * with the identical body is a duplicate, another body a conflict), read back
 * whole or a page at a time, and the latest conflicts.
 */
import { StoreError } from './errors.mjs'

/** Conflicts are a diagnostic: keep the latest, never an unbounded table. */
const CONFLICTS_KEPT = 2000

/**
 * @typedef {{ index: number, time: number, data: string, body: string, received: number }} Batch
 *   `body` is the request body exactly as received: a retry must match it byte for byte.
 */

/**
 * @param {{ db: ReturnType<typeof import('./db.mjs').createDb>, appSessionRow: (id: string) => import('./db.mjs').AppSessionRow,
 *   now: () => number, log: (msg: string) => void }} deps
 */
export function createLogs({ db, appSessionRow, now, log }) {
  const stmts = db.stmts

  /**
   * Keeps the first body per index. Without an index the batch gets the next
   * one after the highest stored (so an index-less retry is stored twice: that
   * is why the agent always sends one). Committed when this returns.
   * @param {string} id
   * @param {{ time: number, data: string, index?: number }} batch validated
   * @param {string} body the raw request body
   * @returns {{ index: number, duplicate: boolean }}
   */
  function addBatch(id, batch, body) {
    const bytes = Buffer.byteLength(body)
    const result = db.write(() => {
      const s = stmts()
      const r = appSessionRow(id)
      const index = batch.index ?? (/** @type {{ m: number | null }} */ (s.maxIndex.get(id)).m ?? -1) + 1
      const stored = /** @type {{ body: string } | undefined} */ (s.batch.get(id, index))
      if (stored) {
        if (stored.body === body) return { index, duplicate: true }
        return { index, conflict: stored.body }
      }
      db.checkQuota(bytes, r)
      s.insertBatch.run(id, index, body, now())
      s.countBatch.run(bytes, now(), id)
      return { index, duplicate: false }
    })
    if ('conflict' in result) {
      const old = JSON.parse(/** @type {string} */ (result.conflict))
      const same = old.time === batch.time && old.data === batch.data
      const msg = same
        ? `index ${result.index} of app session "${id}" is already stored with a body that differs in bytes (same time and data); retries must resend the identical body`
        : `index ${result.index} of app session "${id}" is already stored with a different body`
      log(`horn-demo: 409 ${msg}`)
      // A diagnostic: failing to record it must not turn the 409 into a 503.
      try {
        db.write(() => {
          stmts().insertConflict.run(id, result.index, now())
          stmts().trimConflicts.run(CONFLICTS_KEPT)
        })
      } catch {
        // the 409 stands
      }
      throw new StoreError(409, 'conflict', msg)
    }
    if (!result.duplicate) db.added(bytes)
    return /** @type {{ index: number, duplicate: boolean }} */ (result)
  }

  /** @param {{ idx: number, body: string, received: number }} row @returns {Batch} */
  function batchView(row) {
    const { time, data } = JSON.parse(row.body)
    return { index: row.idx, time, data, body: row.body, received: row.received }
  }

  /** @param {string} id @returns {Batch[]} in index order */
  function batches(id) {
    appSessionRow(id)
    return /** @type {{ idx: number, body: string, received: number }[]} */ (stmts().batches.all(id)).map(batchView)
  }

  /** @param {string} id */
  function logText(id) {
    return batches(id).map((b) => b.data).join('')
  }

  /**
   * The log's data, in index order, a page of batches at a time (a reader can
   * stream a large log without holding it whole).
   * @param {string} id @param {number} pageSize
   * @returns {Generator<string[]>}
   */
  function* logPages(id, pageSize) {
    appSessionRow(id)
    let after = -1
    for (;;) {
      const rows = /** @type {{ idx: number, body: string }[]} */ (stmts().batchesAfter.all(id, after, pageSize))
      if (rows.length === 0) return
      after = rows[rows.length - 1].idx
      yield rows.map((r) => JSON.parse(r.body).data)
      if (rows.length < pageSize) return
    }
  }

  return {
    addBatch, batches, logText, logPages,
    /** The latest conflicts (a different body for a held index), oldest first. */
    conflicts: () => /** @type {{ app_session: string, idx: number, time: number }[]} */ (stmts().conflicts.all())
      .map((c) => ({ appSessionId: c.app_session, index: c.idx, time: c.time })),
  }
}
