import type { Store } from '../storage/store'
import { cutBatch, sealBatch, type Batch } from './batch'
import { jsonStringBytes, truncateLine } from '../lib/text'
import { batchEntry, batchKey, chunkEntry, chunkKey, instanceEntry, recordKey, type InstanceRecord, type StoredParts } from '../storage/schema'


/** Checked every this many entries against a slice's deadline: reading the clock costs more than one entry. */
const ENTRIES_PER_CLOCK_READ = 64

/**
 * Lines are kept joined, this many UTF-16 units to a block: a string over
 * 128 KiB is a large object to V8, never copied nor kept in its young
 * generation. Kept one string each, the lines of a burst grew the young
 * generation to its maximum (16 MB) and cost a header each.
 */
const BLOCK_UNITS = 1 << 17

export interface SealedBatch extends Batch {
  /** Sent at least once: from then on its index and bytes are fixed for good. */
  readonly attempted?: boolean
  /** Resolves once the batch is in the store; it is sent only after that (page exit aside). */
  readonly written?: Promise<void>
}

/** The outbox's own view of a batch: only it changes the flags. */
type Sealed = { -readonly [K in keyof SealedBatch]: SealedBatch[K] }

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
  /** Cuts, seals and stores the next batch; send it only once `written` resolves. */
  seal(): { batch: SealedBatch; written: Promise<void> } | undefined
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
  // Entries from sequence number `base` on, `count` of them; [head, end) are not yet sealed.
  let base = record.head
  let count = 0
  // Per entry, in typed arrays (no object each, no garbage as they grow): its
  // time, JSON size, and where its line is: block number, offset, length.
  let times = new Float64Array(1024)
  let sizes = new Int32Array(1024)
  let blockOf = new Int32Array(1024)
  let starts = new Int32Array(1024)
  let lens = new Int32Array(1024)
  // Blocks `blockBase`, `blockBase + 1`, …; lines pushed since the last join
  // are `recent` (block `blockBase + blocks.length` once joined).
  let blocks: string[] = []
  let blockBase = 0
  let recent: string[] = []
  let recentUnits = 0
  let prepared = base // sizes known up to here
  let persistedEnd = base // stored (in a chunk or a batch) up to here
  let recordDirty = false
  let storedBytes = 0
  let chunks: Array<{ key: string; end: number }> = []
  const sealed: Sealed[] = []
  let writes = Promise.resolve(writeGate)
  let cleared = false

  const write = (puts: Array<[string, unknown]>, deletes: string[]) => {
    // Cleared: a late answer (an acknowledgement, a registration) must not bring a record back.
    if (cleared) return writes as Promise<void>
    const done = writes.then(() => store.write(puts, deletes))
    writes = done.catch(() => {})
    return done
  }
  const saveRecord = () => write([instanceEntry(record)], [])

  // Stored names (see schema.ts), read in this one place.
  for (const { s: first, t: chunkTimes, l: chunkLines } of restored?.chunks ?? []) {
    for (let i = Math.max(0, record.head - first); i < chunkLines.length; i++) add(chunkTimes[i], chunkLines[i])
    const end = first + chunkLines.length
    chunks.push({ key: chunkKey(id, first), end })
    persistedEnd = Math.max(persistedEnd, end)
  }
  for (const batch of restored?.batches ?? []) {
    // Sealed by the dead instance, perhaps sent: never re-cut.
    sealed.push({ ...batch, attempted: true })
    storedBytes += batch.body.length
  }

  const end = () => base + count

  /** Keeps one line; no copy of its text until its block is joined. */
  function add(time: number, line: string): void {
    if (count == times.length) resize(2 * count)
    times[count] = time
    blockOf[count] = blockBase + blocks.length
    starts[count] = recentUnits
    lens[count++] = line.length
    recent.push(line)
    storedBytes += line.length
    if ((recentUnits += line.length) >= BLOCK_UNITS) join()
  }

  function join(): void {
    // One copy of the lines' text: V8 builds a formatted line as a tree of its pieces.
    if (recent.length) blocks.push(recent.join(''))
    recent = []
    recentUnits = 0
  }

  /** The text of entries [from, to) (counted from `base`, joined), one slice of a block per block: no copy. */
  function textOf(from: number, to: number): string[] {
    const parts: string[] = []
    for (let i = from, j; i < to; i = j) {
      for (j = i + 1; j < to && blockOf[j] == blockOf[i]; ) j++
      parts.push(blocks[blockOf[i] - blockBase].slice(starts[i], starts[j - 1] + lens[j - 1]))
    }
    return parts
  }

  /** The line of entry `i` (counted from `base`); its block is joined. */
  const lineAt = (i: number) => blocks[blockOf[i] - blockBase].slice(starts[i], starts[i] + lens[i])

  /** Moves the per-entry arrays to new ones with room for `length` entries, without the first `gone`. */
  function resize(length: number, gone = 0): void {
    const copy = <A extends Float64Array | Int32Array>(a: A): A => {
      const b = new (a.constructor as new (length: number) => A)(length)
      b.set(a.subarray(gone, count))
      return b
    }
    times = copy(times)
    sizes = copy(sizes)
    blockOf = copy(blockOf)
    starts = copy(starts)
    lens = copy(lens)
  }

  /** Forgets the blocks before the head's: their entries are sealed or dropped. */
  function release(): void {
    const h = record.head - base
    const first = h < count ? blockOf[h] : blockBase + blocks.length
    blocks.splice(0, first - blockBase)
    blockBase = first
  }

  /**
   * Sizes (and exact truncation) of the entries up to sequence number `upTo`,
   * or fewer when the clock passes `until`; returns how far it got.
   */
  function prepare(upTo: number, until = Infinity): number {
    const stop = Math.min(upTo, end()) - base
    let i = prepared - base
    if (i < stop) join()
    while (i < stop) {
      const k = blockOf[i] - blockBase
      const text = blocks[k]
      const at = starts[i]
      const end = at + lens[i]
      let size = jsonStringBytes(text, at, end)
      // A line ends in `\n` (every cut relies on it), and escaping can grow it past the limit its length respected.
      if (size > limits.maxEntryBytes || text.charCodeAt(end - 1) != 10 || end == at) {
        let line = text.slice(at, end)
        if (line.charCodeAt(line.length - 1) != 10) line += '\n'
        size = jsonStringBytes(line)
        for (let tries = 0; size > limits.maxEntryBytes && tries < 4; tries++) {
          line = truncateLine(line, Math.floor((line.length * limits.maxEntryBytes) / size) - 64)
          size = jsonStringBytes(line)
        }
        // Rare: the line changed, so its block is rebuilt around it.
        const grown = line.length - lens[i]
        if (grown) {
          blocks[k] = text.slice(0, at) + line + text.slice(end)
          for (let j = i + 1; j < count && blockOf[j] == blockOf[i]; j++) starts[j] += grown
          lens[i] = line.length
          storedBytes += grown
        }
      }
      sizes[i] = size
      if (++i % ENTRIES_PER_CLOCK_READ == 0 && performance.now() > until) break
    }
    return (prepared = Math.max(prepared, i + base))
  }

  function dropHead(): void {
    const i = record.head - base
    record.mark ??= { n: 0, t: times[i] }
    record.mark.n++
    storedBytes -= lens[i]
    record.head++
    // Past its block's last entry: the block goes (a long synchronous burst stays in the bound).
    if (blockOf[i] != blockOf[i + 1]) release()
    persistedEnd = Math.max(persistedEnd, record.head)
    prepared = Math.max(prepared, record.head)
    recordDirty = true
    events.dropped?.(1)
  }

  /** Forgets entries that are sealed or dropped: their text now, their slots once they are a good part of the arrays. */
  function compact(): void {
    release()
    const gone = record.head - base
    if (gone < 1024 || gone * 2 < count) return
    resize(Math.max(1024, 2 * (count - gone)), gone)
    count -= gone
    base = record.head
  }

  /** Chunk records wholly before the head: their entries are in batches now, or dropped. */
  function spentChunks(): string[] {
    const spent = chunks.filter((c) => c.end <= record.head).map((c) => c.key)
    if (spent.length) chunks = chunks.filter((c) => c.end > record.head)
    return spent
  }

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
    if (at < 0) return writes.then(() => {})
    sealed.splice(at, 1)
    storedBytes -= batch.body.length
    count?.(batch.count)
    return write([], [batchKey(id, batch.index)])
  }

  /** The next batch's entries [from, to), its drop notice, data bytes and time; undefined when there is nothing to seal. */
  function cut() {
    const { mark } = record
    if (record.head >= end() && !mark) return
    // A batch holds at most maxBatchEntries: sizes beyond that are not needed yet.
    prepare(record.head + limits.maxBatchEntries + 1)
    const notice = mark && events.notice(mark.t, mark.n)
    let dataBytes = notice ? jsonStringBytes(notice) : 0
    const from = record.head - base
    const to = cutBatch(sizes, from, count, limits.maxBatchBytes, limits.maxBatchEntries, dataBytes)
    for (let i = from; i < to; i++) dataBytes += sizes[i]
    return { from, to, notice, dataBytes, time: mark ? mark.t : times[from] }
  }

  return {
    record,
    sealed,
    get waiting() {
      return end() - record.head
    },
    get oldest() {
      return record.head < end() ? times[record.head - base] : record.mark?.t
    },

    push(time, line) {
      add(time, line)
      // Past the bound, the oldest unsealed entries go; a sealed batch may be on the server already.
      while (storedBytes > limits.maxStoredBytes && record.head < end()) dropHead()
    },

    get unpersisted() {
      return end() - persistedEnd
    },

    persist(until) {
      const from = persistedEnd
      const to = Math.max(from, prepare(end(), until))
      const puts: Array<[string, unknown]> = []
      if (to > from) {
        const chunkLines: string[] = []
        for (let i = from - base; i < to - base; i++) chunkLines.push(lineAt(i))
        const entry = chunkEntry(id, from, Array.from(times.subarray(from - base, to - base)), chunkLines)
        puts.push(entry)
        chunks.push({ key: entry[0], end: to })
        persistedEnd = to
      }
      if (puts.length || recordDirty) puts.push(instanceEntry(record))
      recordDirty = false
      compact()
      const deletes = spentChunks()
      if (!puts.length && !deletes.length) return writes.then(() => {})
      return write(puts, deletes).then(() => events.persisted?.(to - from))
    },

    peek() {
      const next = cut()
      // Full: it stopped at a limit before running out of entries, or holds the most a batch may.
      if (!next) return { bytes: 0, full: false }
      const full = next.to < count || next.to - next.from >= limits.maxBatchEntries
      return { bytes: sealBatch(record.nextIndex, next.time, [], 0, next.dataBytes).bytes, full }
    },

    seal() {
      const next = cut()
      if (!next) return undefined
      const { from, to, notice, dataBytes, time } = next
      const batchLines = textOf(from, to)
      if (notice) batchLines.unshift(notice)
      for (let i = from; i < to; i++) storedBytes -= lens[i]
      const batch: Sealed = sealBatch(record.nextIndex, time, batchLines, to - from, dataBytes)
      storedBytes += batch.body.length
      sealed.push(batch)
      record.nextIndex++
      record.mark = undefined
      record.head = base + to
      const newlyStored = Math.max(0, record.head - persistedEnd)
      persistedEnd = Math.max(persistedEnd, record.head)
      recordDirty = false
      compact()
      const written = write([batchEntry(id, batch), instanceEntry(record)], spentChunks()).then(() => events.persisted?.(newlyStored))
      batch.written = written
      return { batch, written }
    },

    markSent(batch) {
      ;(batch as Sealed).attempted = true
    },

    acknowledge: (batch) => settle(batch, events.acknowledged),
    drop: (batch) => settle(batch, events.dropped),

    appSessionGone() {
      record.appSessionId = undefined
      for (const batch of sealed) batch.attempted = false
      // Like every app session, the new one starts with its own first line: a batch of its own, no entry counted.
      const line = events.firstLine?.()
      if (line) {
        const batch = sealBatch(0, Date.now(), [line], 0, jsonStringBytes(line))
        sealed.unshift(batch)
        storedBytes += batch.body.length
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
      // Escaping works char by char, and every line ends in `\n`: the whole costs what its lines do.
      const bytesOf = (part: string[]) => jsonStringBytes(part.join(''))
      const first = sealBatch(batch.index, time, all.slice(0, half), half - notices, bytesOf(all.slice(0, half)))
      // The second half's own first time is not kept; it carries the batch's time.
      // Both halves start under the batch's index (and key); reindex numbers them and what follows.
      const second = sealBatch(batch.index, time, all.slice(half), batch.count - first.count, bytesOf(all.slice(half)))
      sealed.splice(at, 1, first, second)
      storedBytes += first.body.length + second.body.length - batch.body.length
      void reindex(at, batch.index)
      return true
    },

    setAppSession(appSessionId) {
      record.appSessionId = appSessionId
      return saveRecord()
    },

    clear() {
      const done = write([], [recordKey(id), ...chunks.map((c) => c.key), ...sealed.map((b) => batchKey(id, b.index))])
      cleared = true
      // Nothing of it is read any more: its lines' text goes (the per-entry numbers are small).
      blocks = recent = []
      sealed.length = 0
      return done
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
