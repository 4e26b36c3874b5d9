import type { Store } from './store'
import type { Batch } from '../outbox/batch'

/**
 * What one instance keeps in storage: keys and record shapes, defined here
 * only. Pages in the field wrote these shapes, so they never change, and
 * their short field names (`{s,t,l}`, `{i,b,n,y}`, `mark: {n,t}`) stay: each
 * is documented below. Batches are read back into their readable shape here;
 * a chunk's fields are read in one place (the outbox's restore) and a drop
 * mark's in the outbox's drop and cut. Decoding those too cost more bytes than
 * it was worth; a pinned property-name map in the minifier must leave these
 * names alone.
 *
 * Keys: `i:{id}` the instance record, `c:{id}:{first}` a chunk of entries,
 * `b:{id}:{index}` a sealed batch; numbers padded to 10 digits, so key order
 * is number order and one prefix read finds everything of one instance.
 */

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
  /** Entries dropped just before `head` and not yet reported in a batch. */
  mark?: DropMark
}

/** A new instance's record: nothing sealed, nothing dropped, no app session yet. */
export const newInstanceRecord = (id: string, clientId: string, url: string, channel: string | undefined): InstanceRecord => ({
  id,
  clientId,
  started: Date.now(),
  url,
  channel,
  nextIndex: 0,
  head: 0,
})

/** Stored as it is (the short names are the stored ones): how many entries were dropped, from when. */
export interface DropMark {
  /** How many. */
  n: number
  /** Time of the first. */
  t: number
}

/** A run of entries written in one transaction, as stored. */
export interface StoredChunk {
  /** Sequence number of its first entry. */
  s: number
  /** Their times. */
  t: number[]
  /** Their lines. */
  l: string[]
}

/** What one instance left in the store: its chunks and sealed batches, in key order. */
export interface StoredParts {
  chunks: StoredChunk[]
  batches: Batch[]
}

interface StoredBatch {
  i: number
  b: string
  n: number
  y: number
}

// Stored layout 1. Tabs of older and newer releases share the database: a release that
// changes a record's shape takes new prefixes (docs/protocol.md, "Versioning of the stored layout").
const pad = (n: number) => String(n).padStart(10, '0')
const INSTANCE_PREFIX = 'i:'
export const recordKey = (id: string) => INSTANCE_PREFIX + id
const chunkPrefix = (id: string) => `c:${id}:`
const batchPrefix = (id: string) => `b:${id}:`
export const chunkKey = (id: string, first: number) => chunkPrefix(id) + pad(first)
export const batchKey = (id: string, index: number) => batchPrefix(id) + pad(index)

/** The record as a store entry: a copy, as it is now. */
export const instanceEntry = (record: InstanceRecord): [string, InstanceRecord] => [recordKey(record.id), { ...record }]

/** A chunk as a store entry: entries from sequence number `first` on, their times and lines. */
export const chunkEntry = (id: string, first: number, times: number[], lines: string[]): [string, StoredChunk] => [
  chunkKey(id, first),
  { s: first, t: times, l: lines },
]

/** A sealed batch as a store entry: the body exactly as sent. */
export const batchEntry = (id: string, { index, body, count, bytes }: Batch): [string, StoredBatch] => [
  batchKey(id, index),
  { i: index, b: body, n: count, y: bytes },
]

/** Every instance record in the store. */
export async function loadInstances(store: Store): Promise<InstanceRecord[]> {
  return (await store.read<InstanceRecord>(INSTANCE_PREFIX)).map(([, record]) => record)
}

/** Reads what one instance left in the store, for recovery. */
export async function loadOutboxParts(store: Store, id: string): Promise<StoredParts> {
  const [chunks, batches] = await Promise.all([store.read<StoredChunk>(chunkPrefix(id)), store.read<StoredBatch>(batchPrefix(id))])
  return {
    chunks: chunks.map(([, chunk]) => chunk),
    batches: batches.map(([, b]) => ({ index: b.i, body: b.b, count: b.n, bytes: b.y })),
  }
}
