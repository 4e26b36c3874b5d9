/**
 * Cutting and sealing batches: pure functions, no storage, no network.
 *
 * A batch is one request body of the logs endpoint, `{time, data, index}`:
 * `index` its number in the app session, `time` its first entry's time,
 * `data` its lines. Sealed once, it never changes: every retry sends `body`.
 */
export interface Batch {
  index: number
  /** The exact request body, as stored and as sent. */
  body: string
  /** How many of its lines are the application's entries (a drop notice is not). */
  count: number
  /** UTF-8 length of `body`. */
  bytes: number
}

/** `{"time":…,"data":"","index":…}` with a 13-digit time and a 10-digit index. */
export const BODY_OVERHEAD_BYTES = 53

/**
 * How many items, from `from`, fit one batch: at most `maxEntries`, and
 * `reserved` + their bytes + the JSON around them at most `maxBytes`.
 * Always at least one, so an item can never block the queue (items are
 * truncated well below `maxBytes` before they get here).
 *
 * The result depends on the items alone, never on time: a tab that sealed a
 * batch at unload and the tab that recovers its entries cut the same batch.
 */
export function cutBatch(sizes: ArrayLike<number>, from: number, to: number, maxBytes: number, maxEntries: number, reserved = 0): number {
  let bytes = BODY_OVERHEAD_BYTES + reserved
  let end = from
  while (end < to && end - from < maxEntries) {
    bytes += sizes[end]
    if (bytes > maxBytes && end > from) break
    end++
  }
  return end
}

/** Seals text into a batch: `parts`, each one or more whole lines ending in `\n` (the outbox hands slices of its blocks). */
export function sealBatch(index: number, time: number, parts: string[], count: number, dataBytes: number): Batch {
  const body = JSON.stringify({ time, data: parts.join(''), index })
  const empty = JSON.stringify({ time, data: '', index })
  return { index, body, count, bytes: empty.length + dataBytes }
}
