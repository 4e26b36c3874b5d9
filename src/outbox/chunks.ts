import { chunkEntry, chunkKey, type InstanceRecord, type StoredChunk } from '../storage/schema'
import type { Lines } from './lines'

/**
 * The chunk records of one instance: runs of lines written as they came, so
 * a dead tab's entries survive it. A chunk goes once the head is past it.
 */
export interface Chunks {
  /** Entries not yet stored, in a chunk or a batch. */
  readonly unpersisted: number
  /** The entries prepared (by `until`) since the last chunk, as a chunk entry to put; none when there are none. */
  nextChunk(until?: number): Array<[string, StoredChunk]>
  /** Entries up to `seq` are stored (in a batch) or gone: returns how many of them were not stored before. */
  storedTo(seq: number): number
  /** Keys of the chunks wholly before the head, forgotten here: their entries are in batches now, or dropped. */
  spent(): string[]
  /** Keys of every chunk kept, forgotten here (the outbox is cleared). */
  forget(): string[]
}

/** Keeps track of `lines`' chunks; `restored` ones (recovery) put their lines from the head on back into `lines`. */
export function createChunks(id: string, record: Pick<InstanceRecord, 'head'>, lines: Lines, restored: StoredChunk[] = []): Chunks {
  let chunks: Array<{ key: string; end: number }> = []
  let persistedEnd = record.head // stored (in a chunk or a batch) up to here

  // Stored names (see schema.ts), read in this one place.
  for (const { s: first, t: chunkTimes, l: chunkLines } of restored) {
    for (let i = Math.max(0, record.head - first); i < chunkLines.length; i++) lines.keep(chunkTimes[i], chunkLines[i])
    const end = first + chunkLines.length
    chunks.push({ key: chunkKey(id, first), end })
    persistedEnd = Math.max(persistedEnd, end)
  }

  const storedTo = (seq: number) => {
    const newly = Math.max(0, seq - persistedEnd)
    persistedEnd = Math.max(persistedEnd, seq)
    return newly
  }

  return {
    get unpersisted() {
      return lines.tail - persistedEnd
    },

    nextChunk(until) {
      const from = persistedEnd
      const to = lines.prepare(lines.tail, until)
      if (to <= from) return []
      const chunkLines: string[] = []
      const chunkTimes: number[] = []
      for (let i = from; i < to; i++) chunkLines.push(lines.lineAt(i)), chunkTimes.push(lines.timeAt(i))
      const entry = chunkEntry(id, from, chunkTimes, chunkLines)
      chunks.push({ key: entry[0], end: to })
      persistedEnd = to
      return [entry]
    },

    storedTo,

    spent() {
      const spent = chunks.filter((c) => c.end <= record.head).map((c) => c.key)
      if (spent.length) chunks = chunks.filter((c) => c.end > record.head)
      return spent
    },

    forget() {
      const keys = chunks.map((c) => c.key)
      chunks = []
      return keys
    },
  }
}
