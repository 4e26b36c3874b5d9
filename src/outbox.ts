import type { Store } from './store'
import { cutBatch, sealBatch, type Batch } from './batcher'
import { jsonStringBytes, truncateLine } from './serialize'

/**
 * What one page load (an "instance") keeps in storage, so that the next load
 * can finish its delivery if it dies: who it is, its app session, how far it got.
 */
export interface InstanceRecord {
  id: string
  clientId: string
  started: number
  url: string
  channel?: string
  appSessionId?: string
  /** Index of the next batch to seal. */
  nextIndex: number
  /** Sequence number of the first entry not yet in a batch. */
  head: number
  /** Entries dropped just before `head` and not yet reported in a batch: count and first time. */
  mark?: { n: number; t: number }
}

/** A run of entries written in one transaction: first sequence number, times, lines. */
interface ChunkRecord {
  s: number
  t: number[]
  l: string[]
}

interface BatchRecord {
  i: number
  b: string
  n: number
  y: number
}

export interface SealedBatch extends Batch {
  /** Sent at least once: from then on its index and bytes are fixed for good. */
  attempted?: boolean
  /** Resolves once the batch is in the store; it is sent only after that (page exit aside). */
  written?: Promise<void>
  /** A keepalive copy is on its way. */
  keepalive?: boolean
}

export interface OutboxLimits {
  maxBatchBytes: number
  maxBatchEntries: number
  maxEntryBytes: number
  maxStoredBytes: number
}

export interface OutboxEvents {
  persisted(count: number): void
  dropped(count: number): void
  acknowledged(count: number): void
  /** The line that stands where `count` dropped entries were. */
  notice(time: number, count: number): string
}

/**
 * The entries of one instance on their way out: appended by log calls,
 * written to the store in chunks, cut into sealed batches, removed once
 * acknowledged. Memory holds the same as the store, so nothing is read back
 * while the page lives; the store is for the next load, should this one die.
 */
export interface Outbox {
  readonly record: InstanceRecord
  /** Sealed, not yet acknowledged, in index order. */
  readonly sealed: SealedBatch[]
  /** Appends one line (ending in `\n`). No I/O: the log call's only work. */
  push(time: number, line: string): void
  /**
   * Writes what was pushed since the last call (at most `maxEntries` of it,
   * so one task stays short) and any head change, in one transaction.
   */
  persist(maxEntries?: number): Promise<void>
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
  /** Removes an acknowledged (or rejected, when `dropped`) batch. */
  settle(batch: SealedBatch, dropped?: boolean): Promise<void>
  /** Gives every sealed batch a new index from 0: for a new app session, which saw none of them. */
  renumber(): Promise<void>
  /** Splits the first sealed batch in two, shifting the indexes after it; false when it cannot be split. */
  split(batch: SealedBatch): boolean
  /** Stores the record as it is now. */
  saveRecord(): Promise<void>
  /** Deletes everything this instance stored. */
  clear(): Promise<void>
}

// Stored layout 1. Tabs of older and newer releases share the database: a release that
// changes a record's shape takes new prefixes (docs/protocol.md, "Versioning of the stored layout").
const pad = (n: number) => String(n).padStart(10, '0')
export const recordKey = (id: string) => `i:${id}`
const chunkPrefix = (id: string) => `c:${id}:`
const batchPrefix = (id: string) => `b:${id}:`

/**
 * Opens an outbox. `chunks` and `batches` are what a dead instance left
 * behind (recovery); a new instance starts empty. `writeGate` holds every
 * write back until it resolves: an instance must hold its liveness lock
 * before anything of it appears in storage.
 */
export function createOutbox(
  record: InstanceRecord,
  store: Store,
  limits: OutboxLimits,
  events: OutboxEvents,
  writeGate: Promise<unknown> = Promise.resolve(),
  restored: { chunks?: ChunkRecord[]; batches?: BatchRecord[] } = {},
): Outbox {
  const id = record.id
  // Entries from sequence number `base` on; [head, end) are not yet sealed.
  let base = record.head
  let times: number[] = []
  let lines: string[] = []
  let sizes: number[] = []
  let prepared = base // sizes known up to here
  let persistedEnd = base // stored (in a chunk or a batch) up to here
  let recordDirty = false
  let storedBytes = 0
  let chunks: Array<{ key: string; end: number }> = []
  const sealed: SealedBatch[] = []
  let writes: Promise<unknown> = writeGate

  const write = (puts: Array<[string, unknown]>, deletes: string[]) => {
    const done = writes.then(() => store.write(puts, deletes))
    writes = done.catch(() => {})
    return done
  }

  for (const chunk of restored.chunks ?? []) {
    const skip = Math.max(0, record.head - chunk.s)
    for (let i = skip; i < chunk.l.length; i++) {
      times.push(chunk.t[i])
      lines.push(chunk.l[i])
      storedBytes += chunk.l[i].length
    }
    const end = chunk.s + chunk.l.length
    chunks.push({ key: chunkPrefix(id) + pad(chunk.s), end })
    persistedEnd = Math.max(persistedEnd, end)
  }
  for (const b of restored.batches ?? []) {
    // Sealed by the dead instance, perhaps sent: never re-cut.
    sealed.push({ index: b.i, body: b.b, count: b.n, bytes: b.y, attempted: true })
    storedBytes += b.b.length
  }

  const end = () => base + lines.length

  /** Sizes (and exact truncation) of the entries up to sequence number `upTo`. */
  function prepare(upTo: number): void {
    const stop = Math.min(upTo, end()) - base
    for (let i = prepared - base; i < stop; i++) {
      let line = lines[i]
      let size = jsonStringBytes(line)
      // Escaping can grow a line past the limit that its length respected.
      for (let tries = 0; size > limits.maxEntryBytes && tries < 4; tries++) {
        line = truncateLine(line, Math.floor((line.length * limits.maxEntryBytes) / size) - 64)
        size = jsonStringBytes(line)
      }
      storedBytes += line.length - lines[i].length
      lines[i] = line
      sizes[i] = size
    }
    prepared = Math.max(prepared, stop + base)
  }

  function dropHead(): void {
    const i = record.head - base
    record.mark ??= { n: 0, t: times[i] }
    record.mark.n++
    storedBytes -= lines[i].length
    lines[i] = ''
    record.head++
    persistedEnd = Math.max(persistedEnd, record.head)
    prepared = Math.max(prepared, record.head)
    recordDirty = true
    events.dropped(1)
  }

  /** Forgets entries that are sealed or dropped, once they are a good part of the arrays. */
  function compact(): void {
    const gone = record.head - base
    if (gone < 1024 || gone * 2 < lines.length) return
    times = times.slice(gone)
    lines = lines.slice(gone)
    sizes = sizes.slice(gone)
    base = record.head
  }

  /** Chunk records wholly before the head: their entries are in batches now, or dropped. */
  function spentChunks(): string[] {
    const spent = chunks.filter((c) => c.end <= record.head).map((c) => c.key)
    if (spent.length) chunks = chunks.filter((c) => c.end > record.head)
    return spent
  }

  function put(batch: SealedBatch): [string, BatchRecord] {
    return [batchPrefix(id) + pad(batch.index), { i: batch.index, b: batch.body, n: batch.count, y: batch.bytes }]
  }

  /**
   * Gives `sealed[at…]` the indexes `index`, `index + 1`, … (same content,
   * re-sealed) and stores them and the record in one transaction.
   */
  function reindex(at: number, index: number): Promise<void> {
    const moved = sealed.slice(at)
    const deletes = moved.map((b) => put(b)[0])
    for (const batch of moved) Object.assign(batch, reseal(batch, index++))
    record.nextIndex = index
    const written = write([...moved.map(put), [recordKey(id), { ...record }]], deletes)
    // Like a fresh seal: no send under the new index before the store knows it.
    for (const batch of moved) batch.written = written
    return written
  }

  function noticeLine(): string | undefined {
    return record.mark && events.notice(record.mark.t, record.mark.n)
  }

  /** The next batch's entries [from, to), its drop notice, data bytes and time; undefined when there is nothing to seal. */
  function cut() {
    if (record.head >= end() && !record.mark) return
    // A batch holds at most maxBatchEntries: sizes beyond that are not needed yet.
    prepare(record.head + limits.maxBatchEntries + 1)
    const notice = noticeLine()
    let dataBytes = notice ? jsonStringBytes(notice) : 0
    const from = record.head - base
    const to = cutBatch(sizes, from, lines.length, limits.maxBatchBytes, limits.maxBatchEntries, dataBytes)
    for (let i = from; i < to; i++) dataBytes += sizes[i]
    return { from, to, notice, dataBytes, time: record.mark ? record.mark.t : times[from] }
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
      times.push(time)
      lines.push(line)
      storedBytes += line.length
      // Past the bound, the oldest unsealed entries go; a sealed batch may be on the server already.
      while (storedBytes > limits.maxStoredBytes && record.head < end()) dropHead()
    },

    get unpersisted() {
      return end() - persistedEnd
    },

    persist(maxEntries = Infinity) {
      const from = persistedEnd
      const to = Math.min(end(), from + maxEntries)
      prepare(to)
      const puts: Array<[string, unknown]> = []
      if (to > from) {
        const key = chunkPrefix(id) + pad(from)
        puts.push([key, { s: from, t: times.slice(from - base, to - base), l: lines.slice(from - base, to - base) } satisfies ChunkRecord])
        chunks.push({ key, end: to })
        persistedEnd = to
      }
      if (puts.length || recordDirty) puts.push([recordKey(id), { ...record }])
      recordDirty = false
      compact()
      const deletes = spentChunks()
      if (!puts.length && !deletes.length) return writes.then(() => {})
      return write(puts, deletes).then(() => events.persisted(to - from))
    },

    peek() {
      const next = cut()
      // Full: it stopped at a limit before running out of entries, or holds the most a batch may.
      const full = !!next && (next.to < lines.length || next.to - next.from >= limits.maxBatchEntries)
      return next ? { bytes: sealBatch(record.nextIndex, next.time, [], 0, next.dataBytes).bytes, full } : { bytes: 0, full }
    },

    seal() {
      const next = cut()
      if (!next) return undefined
      const { from, to, notice, dataBytes, time } = next
      const batchLines = lines.slice(from, to)
      for (let i = from; i < to; i++) {
        storedBytes -= lines[i].length
        lines[i] = ''
      }
      if (notice) batchLines.unshift(notice)
      const batch: SealedBatch = sealBatch(record.nextIndex, time, batchLines, to - from, dataBytes)
      storedBytes += batch.body.length
      sealed.push(batch)
      record.nextIndex++
      record.mark = undefined
      record.head = base + to
      const newlyStored = Math.max(0, record.head - persistedEnd)
      persistedEnd = Math.max(persistedEnd, record.head)
      recordDirty = false
      compact()
      const written = write([put(batch), [recordKey(id), { ...record }]], spentChunks()).then(() => events.persisted(newlyStored))
      batch.written = written
      return { batch, written }
    },

    settle(batch, dropped) {
      const at = sealed.indexOf(batch)
      if (at < 0) return writes.then(() => {})
      sealed.splice(at, 1)
      storedBytes -= batch.body.length
      if (dropped) events.dropped(batch.count)
      else events.acknowledged(batch.count)
      return write([], [put(batch)[0]])
    },

    renumber() {
      for (const batch of sealed) batch.attempted = false
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
      const bytesOf = (part: string[]) => part.reduce((sum, line) => sum + jsonStringBytes(line), 0)
      const first = sealBatch(batch.index, time, all.slice(0, half), half - notices, bytesOf(all.slice(0, half)))
      // The second half's own first time is not kept; it carries the batch's time.
      // Both halves start under the batch's index (and key); reindex numbers them and what follows.
      const second = sealBatch(batch.index, time, all.slice(half), batch.count - first.count, bytesOf(all.slice(half)))
      sealed.splice(at, 1, first, second)
      storedBytes += first.body.length + second.body.length - batch.body.length
      void reindex(at, batch.index)
      return true
    },

    saveRecord() {
      return write([[recordKey(id), { ...record }]], [])
    },

    clear() {
      return write([], [recordKey(id), ...chunks.map((c) => c.key), ...sealed.map((b) => put(b)[0])])
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

/** Reads what one instance left in the store, for recovery. */
export async function loadOutboxParts(store: Store, id: string) {
  const [chunks, batches] = await Promise.all([store.read<ChunkRecord>(chunkPrefix(id)), store.read<BatchRecord>(batchPrefix(id))])
  return { chunks: chunks.map(([, v]) => v), batches: batches.map(([, v]) => v) }
}
