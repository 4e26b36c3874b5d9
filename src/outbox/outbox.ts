import type { Store } from '../storage/store'
import { sealBatch } from './batch'
import { createLines } from './lines'
import { createChunks } from './chunks'
import { createLedger, type SealedBatch, type Write } from './sealed'
import { jsonStringBytes } from '../lib/text'
import { batchEntry, instanceEntry, recordKey, type InstanceRecord, type StoredParts } from '../storage/schema'

export type { SealedBatch }

export interface OutboxLimits {
  maxBatchBytes: number
  maxBatchEntries: number
  maxEntryBytes: number
  maxStoredBytes: number
}

/** What the outbox tells its owner: counts for `stats()` (recovery keeps none), and the drop notice line. */
export interface OutboxEvents {
  persisted?(count: number): void
  dropped?(count: number): void
  acknowledged?(count: number): void
  /** The line that stands where `count` dropped entries were. */
  notice(time: number, count: number): string
  /** The first line of a new app session (its page-info line), when the server forgot the old one; none when undefined. */
  firstLine?(): string | undefined
}

export interface OutboxOptions {
  /** The instance: a new one, or one a dead instance left behind. The outbox owns it from now on. */
  record: InstanceRecord
  store: Store
  limits: OutboxLimits
  events: OutboxEvents
  /**
   * Holds every write back until it resolves: an instance must hold its
   * liveness lock before anything of it appears in storage.
   * @default Promise.resolve()
   */
  writeGate?: Promise<unknown>
  /** What a dead instance left behind (recovery); a new instance starts empty. */
  restored?: StoredParts
}

/**
 * The entries of one instance on their way out: appended by log calls,
 * written to the store in chunks, cut into sealed batches, removed once
 * acknowledged. Memory holds the same as the store, so nothing is read back
 * while the page lives; the store is for the next load, should this one die.
 * It owns the instance record and the sealed batches: others read them and
 * say what happened (`markSent`, `acknowledge`, `drop`, `setAppSession`, …).
 *
 * This module is the coordinator: it owns the storage bound (what the waiting
 * lines and the sealed batches hold together) and the order of writes. The
 * lines wait in outbox/lines, their chunk records are outbox/chunks', the
 * sealed batches outbox/sealed's; outbox/batch cuts and seals.
 */
export interface Outbox {
  readonly record: Readonly<InstanceRecord>
  /** Sealed, not yet acknowledged, in index order. */
  readonly sealed: readonly SealedBatch[]
  /** Appends one line (ending in `\n`). No I/O: the log call's only work. */
  push(time: number, line: string): void
  /**
   * Writes what was pushed since the last call and any head change, in one
   * transaction. With `until` (a `performance.now()` deadline), it prepares
   * entries only until then, so one task stays short; the rest waits for the next call.
   */
  persist(until?: number): Promise<void>
  /** Entries pushed but not yet written. */
  readonly unpersisted: number
  /** Entries not yet in a batch. */
  readonly waiting: number
  /** Time of the oldest entry not yet in a batch. */
  readonly oldest: number | undefined
  /** The batch `seal()` would make now: its bytes (0 when there is nothing to seal), and whether it is full. */
  peek(): { bytes: number; full: boolean }
  /** Cuts, seals and stores the next batch; send it only once its `written` resolves. */
  seal(): SealedBatch | undefined
  /** A request with this batch's body went out: its index and bytes are fixed for good. */
  markSent(batch: SealedBatch): void
  /** The server holds the batch: removes it, counting its entries acknowledged. */
  acknowledge(batch: SealedBatch): Promise<void>
  /** The server refused the batch for good: removes it, counting its entries dropped. */
  drop(batch: SealedBatch): Promise<void>
  /**
   * The app session is gone (the server forgot it): forgets its id, so the
   * next send registers a new one, and gives every sealed batch a new index
   * from 0 for that one, which saw none of them.
   */
  appSessionGone(): Promise<void>
  /** Splits the first sealed batch in two, shifting the indexes after it; false when it cannot be split. */
  split(batch: SealedBatch): boolean
  /** Keeps (and stores) the app session id the instance registered. */
  setAppSession(id: string): Promise<void>
  /**
   * Deletes everything this instance stored and forgets what it holds: the
   * end of its life (delivered by recovery, or consent denied). It writes nothing after.
   */
  clear(): Promise<void>
}

/** Opens an outbox. */
export function createOutbox({ record, store, limits, events, writeGate, restored }: OutboxOptions): Outbox {
  const id = record.id
  let writes = Promise.resolve(writeGate)
  let cleared = false
  const write: Write = (puts = [], deletes = []) => {
    // Cleared: a late answer (an acknowledgement, a registration) must not bring a record back.
    if (cleared) return writes as Promise<void>
    if (!puts.length && !deletes.length) return writes.then(() => {})
    const done = writes.then(() => store.write(puts, deletes))
    writes = done.catch(() => {})
    return done
  }
  const lines = createLines(record, limits)
  const chunks = createChunks(id, record, lines, restored?.chunks)
  const ledger = createLedger(id, record, write, events, restored?.batches)
  // The head or the drop mark changed since the record was last written.
  let recordDirty = false

  /** Past the bound: the head's entry goes, and the drop mark counts it. */
  function dropHead(): void {
    record.mark ??= { n: 0, t: lines.timeAt(record.head) }
    record.mark.n++
    lines.dropHead()
    chunks.storedTo(record.head)
    recordDirty = true
    events.dropped?.(1)
  }

  /** The next batch's end, its drop notice, data bytes and time; undefined when there is nothing to seal. */
  function cut() {
    const { mark } = record
    if (record.head >= lines.tail && !mark) return
    const notice = mark && events.notice(mark.t, mark.n)
    return { ...lines.cut(notice ? jsonStringBytes(notice) : 0), notice, time: mark ? mark.t : lines.timeAt(record.head) }
  }

  return {
    record,
    sealed: ledger.sealed,
    get waiting() {
      return lines.tail - record.head
    },
    get oldest() {
      return record.head < lines.tail ? lines.timeAt(record.head) : record.mark?.t
    },

    push(time, line) {
      lines.keep(time, line)
      // Past the bound, the oldest unsealed entries go; a sealed batch may be on the server already.
      while (lines.units + ledger.bytes > limits.maxStoredBytes && record.head < lines.tail) dropHead()
    },

    get unpersisted() {
      return chunks.unpersisted
    },

    persist(until) {
      const before = chunks.unpersisted
      const puts: Array<[string, unknown]> = chunks.nextChunk(until)
      if (puts.length || recordDirty) puts.push(instanceEntry(record))
      recordDirty = false
      lines.compact()
      const persisted = before - chunks.unpersisted
      return write(puts, chunks.spent()).then(() => events.persisted?.(persisted))
    },

    peek() {
      const next = cut()
      // Full: it stopped at a limit before running out of entries, or holds the most a batch may.
      if (!next) return { bytes: 0, full: false }
      const full = next.to < lines.tail || next.to - record.head >= limits.maxBatchEntries
      return { bytes: sealBatch(record.nextIndex, next.time, [], 0, next.dataBytes).bytes, full }
    },

    seal() {
      const next = cut()
      if (!next) return undefined
      const { to, notice, dataBytes, time } = next
      const parts = lines.textOf(to)
      if (notice) parts.unshift(notice)
      const count = to - record.head
      lines.sealTo(to)
      record.mark = undefined
      const newlyStored = chunks.storedTo(to)
      recordDirty = false
      lines.compact()
      const batch = ledger.seal(time, parts, count, dataBytes, (batch) =>
        write([batchEntry(id, batch), instanceEntry(record)], chunks.spent()).then(() => events.persisted?.(newlyStored)),
      )
      return batch
    },

    markSent: ledger.markSent,
    acknowledge: ledger.acknowledge,
    drop: ledger.drop,

    appSessionGone() {
      record.appSessionId = undefined
      return ledger.renumber(events.firstLine?.())
    },

    split: ledger.split,

    setAppSession(appSessionId) {
      record.appSessionId = appSessionId
      return write([instanceEntry(record)])
    },

    clear() {
      const done = write([], [recordKey(id), ...chunks.forget(), ...ledger.forget()])
      cleared = true
      lines.forget()
      return done
    },
  }
}
