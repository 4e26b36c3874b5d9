import { sealBatch, type Batch } from './batch'
import { jsonStringBytes } from '../lib/text'
import { batchEntry, batchKey, instanceEntry, type InstanceRecord } from '../storage/schema'
import type { OutboxEvents } from './outbox'

export interface SealedBatch extends Batch {
  /** Sent at least once: from then on its index and bytes are fixed for good. */
  readonly attempted?: boolean
  /** Resolves once the batch is in the store; it is sent only after that (page exit aside). */
  readonly written?: Promise<void>
}

/** The ledger's own view of a batch: only it changes the flags. */
type Sealed = { -readonly [K in keyof SealedBatch]: SealedBatch[K] }

/** Queues one transaction after the ones before it; with nothing to write, waits for them. */
export type Write = (puts?: Array<[string, unknown]>, deletes?: string[]) => Promise<void>

/** The sealed batches of one instance, from sealing to the server's answer. */
export interface Ledger {
  /** Sealed, not yet acknowledged, in index order. */
  readonly sealed: readonly SealedBatch[]
  /** Their bodies' UTF-16 units: their share of the storage bound. */
  readonly bytes: number
  /** Seals a batch under the record's next index and keeps it; `save` stores it, and it is sent only once that resolves. */
  seal(time: number, parts: string[], count: number, dataBytes: number, save: (batch: Batch) => Promise<void>): SealedBatch
  markSent(batch: SealedBatch): void
  acknowledge(batch: SealedBatch): Promise<void>
  drop(batch: SealedBatch): Promise<void>
  /** Every batch unsent again and numbered from 0, for an app session that saw none of them, after its `firstLine` if any. */
  renumber(firstLine?: string): Promise<void>
  split(batch: SealedBatch): boolean
  /** Keys of every batch kept, forgotten here (the outbox is cleared). */
  forget(): string[]
}

/** Keeps the sealed batches of `record`; `restored` ones (recovery) were sealed by a dead instance, perhaps sent. */
export function createLedger(
  id: string,
  record: InstanceRecord,
  write: Write,
  events: Pick<OutboxEvents, 'acknowledged' | 'dropped'>,
  restored: Batch[] = [],
): Ledger {
  // Never re-cut: sent or not, their content stays.
  const sealed: Sealed[] = restored.map((batch) => ({ ...batch, attempted: true }))
  let bytes = 0
  for (const batch of sealed) bytes += batch.body.length

  /**
   * Gives `sealed[at…]` the indexes `index`, `index + 1`, … (same content,
   * re-sealed) and stores them and the record in one transaction.
   */
  function reindex(at: number, index: number): Promise<void> {
    const moved = sealed.slice(at)
    const deletes = moved.map((b) => batchKey(id, b.index))
    for (const batch of moved) Object.assign(batch, reseal(batch, index++))
    record.nextIndex = index
    const written = write([...moved.map((b) => batchEntry(id, b)), instanceEntry(record)], deletes)
    // Like a fresh seal: no send under the new index before the store knows it.
    for (const batch of moved) batch.written = written
    return written
  }

  /** Removes a settled batch, counting its entries with `count`. */
  function settle(batch: SealedBatch, count?: (n: number) => void): Promise<void> {
    const at = sealed.indexOf(batch)
    if (at < 0) return write()
    sealed.splice(at, 1)
    bytes -= batch.body.length
    count?.(batch.count)
    return write([], [batchKey(id, batch.index)])
  }

  return {
    sealed,
    get bytes() {
      return bytes
    },

    seal(time, parts, count, dataBytes, save) {
      const batch: Sealed = sealBatch(record.nextIndex++, time, parts, count, dataBytes)
      bytes += batch.body.length
      sealed.push(batch)
      batch.written = save(batch)
      return batch
    },

    markSent(batch) {
      ;(batch as Sealed).attempted = true
    },

    acknowledge: (batch) => settle(batch, events.acknowledged),
    drop: (batch) => settle(batch, events.dropped),

    renumber(firstLine) {
      for (const batch of sealed) batch.attempted = false
      // Like every app session, the new one starts with its own first line: a batch of its own, no entry counted.
      if (firstLine) {
        const batch = sealBatch(0, Date.now(), [firstLine], 0, jsonStringBytes(firstLine))
        sealed.unshift(batch)
        bytes += batch.body.length
      }
      return reindex(0, 0)
    },

    split(batch) {
      const at = sealed.indexOf(batch)
      if (at < 0 || sealed.slice(at + 1).some((b) => b.attempted)) return false
      const { time, data } = JSON.parse(batch.body) as { time: number; data: string }
      const all = data.split('\n').slice(0, -1).map((line) => line + '\n')
      if (all.length < 2) return false
      const notices = all.length - batch.count
      const half = Math.ceil(all.length / 2)
      // Both halves start under the batch's index (and key); reindex numbers them and what follows.
      // Escaping works char by char, and every line ends in `\n`: the whole costs what its lines do.
      const part = (lines: string[], count: number) => sealBatch(batch.index, time, lines, count, jsonStringBytes(lines.join('')))
      const first = part(all.slice(0, half), half - notices)
      // The second half's own first time is not kept; it carries the batch's time.
      const second = part(all.slice(half), batch.count - first.count)
      sealed.splice(at, 1, first, second)
      bytes += first.body.length + second.body.length - batch.body.length
      void reindex(at, batch.index)
      return true
    },

    forget() {
      const keys = sealed.map((b) => batchKey(id, b.index))
      sealed.length = 0
      return keys
    },
  }
}

/**
 * A batch's content under another index: the body re-serialized (JSON.stringify
 * of what it parsed is the same text), its size off by the index's digits only.
 */
function reseal(batch: SealedBatch, index: number): Partial<SealedBatch> {
  return {
    index,
    body: JSON.stringify({ ...JSON.parse(batch.body), index }),
    bytes: batch.bytes + String(index).length - String(batch.index).length,
  }
}
