import { cutBatch } from './batch'
import { jsonStringBytes, truncateLine } from '../lib/text'
import type { InstanceRecord } from '../storage/schema'
import type { OutboxLimits } from './outbox'

/** Checked every this many entries against a slice's deadline: reading the clock costs more than one entry. */
const ENTRIES_PER_CLOCK_READ = 64

/**
 * Lines are kept joined, this many UTF-16 units to a block: a string over
 * 128 KiB is a large object to V8, never copied nor kept in its young
 * generation. Kept one string each, the lines of a burst grew the young
 * generation to its maximum (16 MB) and cost a header each.
 */
const BLOCK_UNITS = 1 << 17

/**
 * The lines not yet in a batch, from the record's `head` (the first of them;
 * written here only) to `tail`. Sequence numbers are absolute.
 */
export interface Lines {
  /** Sequence number after the last line. */
  readonly tail: number
  /** UTF-16 units of the lines from the head on: their share of the storage bound. */
  readonly units: number
  /** Keeps one line; no copy of its text until its block is joined. */
  keep(time: number, line: string): void
  timeAt(seq: number): number
  /** The line of entry `seq`, once prepared. */
  lineAt(seq: number): string
  /**
   * Sizes (and exact truncation) of the entries up to sequence number `upTo`,
   * or fewer when the clock passes `until`; returns how far it got.
   */
  prepare(upTo: number, until?: number): number
  /** Where the next batch ends (after the head's entries that fit next to `reserved` bytes), and its lines' JSON bytes. */
  cut(reserved: number): { to: number; dataBytes: number }
  /** The text of entries [head, to), one slice of a block per block: no copy. */
  textOf(to: number): string[]
  /** The head's entry goes (the storage bound): the head moves past it. */
  dropHead(): void
  /** Entries [head, to) are in a batch now: the head moves to `to`. */
  sealTo(to: number): void
  /** Forgets entries before the head: their text now, their slots once they are a good part of the arrays. */
  compact(): void
  /** Nothing of them is read any more (the outbox is cleared): their text goes (the per-entry numbers are small). */
  forget(): void
}

/** Holds the waiting lines of `record`, from its head on, in blocks and typed arrays. */
export function createLines(record: Pick<InstanceRecord, 'head'>, limits: OutboxLimits): Lines {
  // Entries from sequence number `base` on, `count` of them.
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
  let units = 0

  function join(): void {
    // One copy of the lines' text: V8 builds a formatted line as a tree of its pieces.
    if (recent.length) blocks.push(recent.join(''))
    recent = []
    recentUnits = 0
  }

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

  function prepare(upTo: number, until = Infinity): number {
    const stop = Math.min(upTo, base + count) - base
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
          units += grown
        }
      }
      sizes[i] = size
      if (++i % ENTRIES_PER_CLOCK_READ == 0 && performance.now() > until) break
    }
    return (prepared = Math.max(prepared, i + base))
  }

  return {
    get tail() {
      return base + count
    },
    get units() {
      return units
    },

    keep(time, line) {
      if (count == times.length) resize(2 * count)
      times[count] = time
      blockOf[count] = blockBase + blocks.length
      starts[count] = recentUnits
      lens[count++] = line.length
      recent.push(line)
      units += line.length
      if ((recentUnits += line.length) >= BLOCK_UNITS) join()
    },

    timeAt: (seq) => times[seq - base],
    lineAt: (seq) => blocks[blockOf[seq - base] - blockBase].slice(starts[seq - base], starts[seq - base] + lens[seq - base]),
    prepare,

    cut(reserved) {
      // A batch holds at most maxBatchEntries: sizes beyond that are not needed yet.
      prepare(record.head + limits.maxBatchEntries + 1)
      const from = record.head - base
      const to = cutBatch(sizes, from, count, limits.maxBatchBytes, limits.maxBatchEntries, reserved)
      for (let i = from; i < to; i++) reserved += sizes[i]
      return { to: to + base, dataBytes: reserved }
    },

    textOf(to) {
      const parts: string[] = []
      for (let i = record.head - base, j; i < to - base; i = j) {
        for (j = i + 1; j < to - base && blockOf[j] == blockOf[i]; ) j++
        parts.push(blocks[blockOf[i] - blockBase].slice(starts[i], starts[j - 1] + lens[j - 1]))
      }
      return parts
    },

    dropHead() {
      const i = record.head++ - base
      units -= lens[i]
      // Past its block's last entry: the block goes (a long synchronous burst stays in the bound).
      if (blockOf[i] != blockOf[i + 1]) release()
      prepared = Math.max(prepared, record.head)
    },

    sealTo(to) {
      for (let i = record.head - base; i < to - base; i++) units -= lens[i]
      record.head = to
    },

    compact() {
      release()
      const gone = record.head - base
      if (gone < 1024 || gone * 2 < count) return
      resize(Math.max(1024, 2 * (count - gone)), gone)
      count -= gone
      base = record.head
    },

    forget() {
      blocks = []
      recent = []
    },
  }
}
