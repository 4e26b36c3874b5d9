import { describe, expect, it, vi } from 'vitest'
import { createOutbox, type OutboxLimits } from '../../../src/outbox/outbox'
import { loadInstances, loadOutboxParts, batchKey, recordKey, type InstanceRecord, type StoredParts } from '../../../src/storage/schema'
import { createMemoryStore, type Store } from '../../../src/storage/store'
import { jsonStringBytes } from '../../../src/lib/text'
import { T0 } from '../../support/helpers'

const utf8 = (s: string) => new TextEncoder().encode(s).length
const LIMITS: OutboxLimits = { maxBatchBytes: 2048, maxBatchEntries: 10, maxEntryBytes: 512, maxStoredBytes: 1 << 20 }

/** A line of exactly `width` units (newline included), numbered so order is visible. */
const line = (n: number, width = 40) => `entry ${String(n).padStart(5, '0')} `.padEnd(width - 1, '.') + '\n'

function setup(limits: Partial<OutboxLimits> = {}, store: Store = createMemoryStore(), record?: InstanceRecord, restored?: StoredParts) {
  const counts = { persisted: 0, dropped: 0, acknowledged: 0, notices: [] as Array<[number, number]> }
  const events = {
    persisted: (n: number) => void (counts.persisted += n),
    dropped: (n: number) => void (counts.dropped += n),
    acknowledged: (n: number) => void (counts.acknowledged += n),
    notice: (time: number, count: number) => {
      counts.notices.push([time, count])
      return `${new Date(time).toISOString()} WARN dropped ${count} entries here\n`
    },
    firstLine: () => firstLine?.(),
  }
  const rec = record ?? { id: 'a', clientId: 'ui', started: T0, url: 'https://app.example/', nextIndex: 0, head: 0 }
  const outbox = createOutbox({ record: rec, store, limits: { ...LIMITS, ...limits }, events, restored })
  return { outbox, store, counts, record: rec }
}

/** The outbox's `firstLine` event, when a test sets one. */
let firstLine: (() => string) | undefined

const parse = (body: string) => JSON.parse(body) as { time: number; data: string; index: number }
const linesOf = (body: string) => parse(body).data.split(/(?<=\n)/)

describe('outbox', () => {
  it('push does no I/O; persist writes one chunk and the record, counting persisted', async () => {
    const { outbox, store, counts } = setup()
    for (let i = 0; i < 5; i++) outbox.push(T0 + i, line(i))
    expect(outbox.waiting).toBe(5)
    expect(outbox.oldest).toBe(T0)
    expect(await store.read('')).toEqual([])
    await outbox.persist()
    expect(counts.persisted).toBe(5)
    expect((await store.read('c:a:')).map(([key]) => key)).toEqual(['c:a:0000000000'])
    expect(await store.read(recordKey('a'))).toHaveLength(1)
    await outbox.persist()
    expect(counts.persisted).toBe(5)
    outbox.push(T0 + 5, line(5))
    await outbox.persist()
    expect(counts.persisted).toBe(6)
    expect((await store.read('c:a:')).map(([key]) => key)).toEqual(['c:a:0000000000', 'c:a:0000000005'])
  })

  it('persist(until) prepares and writes only until the deadline, and the rest on the next call', async () => {
    const { outbox, store, counts } = setup()
    for (let i = 0; i < 1000; i++) outbox.push(T0 + i, line(i))
    let now = 0
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => ++now)
    // The clock is read every 64 entries; the fourth reading (4) is past the deadline.
    await outbox.persist(3.5)
    expect(counts.persisted).toBe(4 * 64)
    expect(outbox.unpersisted).toBe(1000 - 4 * 64)
    // Past its deadline before it starts, a slice still makes progress.
    await outbox.persist(0)
    expect(counts.persisted).toBe(5 * 64)
    clock.mockRestore()
    await outbox.persist()
    expect(counts.persisted).toBe(1000)
    const chunks = await store.read<{ s: number; l: string[] }>('c:a:')
    expect(chunks.map(([, c]) => c.s)).toEqual([0, 256, 320])
    expect(chunks.flatMap(([, c]) => c.l)).toEqual(Array.from({ length: 1000 }, (_, i) => line(i)))
  })

  it('seals, stores and settles a batch: index, time, data, count, bytes', async () => {
    const { outbox, store, counts } = setup()
    const lines = [line(0), 'café 😀 "quoted" \\ \t\n', line(2)]
    lines.forEach((l, i) => outbox.push(T0 + 10 * i, l))
    await outbox.persist()
    const batch = outbox.seal()!
    await batch.written
    expect(parse(batch.body)).toEqual({ time: T0, data: lines.join(''), index: 0 })
    expect(batch.count).toBe(3)
    expect(batch.bytes).toBe(utf8(batch.body))
    expect(outbox.sealed).toEqual([batch])
    expect(outbox.waiting).toBe(0)
    expect(outbox.oldest).toBeUndefined()
    expect(outbox.record).toMatchObject({ nextIndex: 1, head: 3 })
    // The stored body is the sent body; the chunk it came from is gone.
    const stored = await store.read<{ b: string }>('b:a:')
    expect(stored.map(([key, value]) => [key, value.b])).toEqual([['b:a:0000000000', batch.body]])
    expect(await store.read('c:a:')).toEqual([])
    expect((await store.read<InstanceRecord>(recordKey('a')))[0][1]).toMatchObject({ nextIndex: 1, head: 3 })
    expect(outbox.seal()).toBeUndefined()

    await outbox.acknowledge(batch)
    expect(counts.acknowledged).toBe(3)
    expect(outbox.sealed).toEqual([])
    expect(await store.read('b:')).toEqual([])
    // Settling twice counts once.
    await outbox.acknowledge(batch)
    expect(counts.acknowledged).toBe(3)
  })

  it('counts an entry persisted once, whether a chunk or a batch stored it first', async () => {
    const { outbox, counts } = setup()
    for (let i = 0; i < 4; i++) outbox.push(T0, line(i))
    await outbox.persist()
    for (let i = 4; i < 7; i++) outbox.push(T0, line(i))
    await outbox.seal()!.written // three entries reach storage in the batch only
    expect(counts.persisted).toBe(7)
    await outbox.persist()
    expect(counts.persisted).toBe(7)
  })

  it('counts a rejected batch as dropped, not acknowledged', async () => {
    const { outbox, counts } = setup()
    outbox.push(T0, line(0))
    const batch = outbox.seal()!
    await batch.written
    await outbox.drop(batch)
    expect(counts).toMatchObject({ dropped: 1, acknowledged: 0 })
  })

  it('cuts by maxBatchEntries, with contiguous indexes and every entry once, in order', async () => {
    const { outbox } = setup({ maxBatchEntries: 10 })
    const lines = Array.from({ length: 35 }, (_, i) => line(i))
    lines.forEach((l, i) => outbox.push(T0 + i, l))
    expect(outbox.peek()).toMatchObject({ full: true })
    const batches = []
    for (let sealed; (sealed = outbox.seal()); ) batches.push(sealed)
    expect(batches.map((b) => b.index)).toEqual([0, 1, 2, 3])
    expect(batches.map((b) => b.count)).toEqual([10, 10, 10, 5])
    expect(batches.map((b) => parse(b.body).time)).toEqual([T0, T0 + 10, T0 + 20, T0 + 30])
    expect(batches.map((b) => parse(b.body).data).join('')).toBe(lines.join(''))
  })

  it('cuts by maxBatchBytes: every body under it and its bytes exact', async () => {
    const { outbox } = setup({ maxBatchBytes: 2048, maxBatchEntries: 1000 })
    const lines = Array.from({ length: 60 }, (_, i) => (i % 3 ? line(i, 150) : `${i} ünïcödé 日本 😀 "q" `.repeat(4) + '\n'))
    lines.forEach((l) => outbox.push(T0, l))
    const peeked = outbox.peek()
    expect(peeked.full).toBe(true)
    const batches = []
    for (let sealed; (sealed = outbox.seal()); ) batches.push(sealed)
    expect(batches.length).toBeGreaterThan(3)
    for (const batch of batches) {
      expect(batch.bytes).toBe(utf8(batch.body))
      expect(batch.bytes).toBeLessThanOrEqual(2048)
    }
    // Greedy: the next batch's first line would not have fitted.
    for (let i = 0; i + 1 < batches.length; i++) {
      const next = linesOf(batches[i + 1].body)[0]
      expect(batches[i].bytes + jsonStringBytes(next)).toBeGreaterThan(2048)
    }
    expect(batches.map((b) => b.index)).toEqual(batches.map((_, i) => i))
    expect(batches.map((b) => parse(b.body).data).join('')).toBe(lines.join(''))
  })

  it('peek gives the exact bytes of the batch seal() makes', async () => {
    const { outbox } = setup()
    for (let i = 0; i < 30; i++) outbox.push(T0 + i, line(i))
    const { bytes } = outbox.peek()
    expect(outbox.seal()!.bytes).toBe(bytes)
  })

  it('peeks at nothing when nothing waits', () => {
    expect(setup().outbox.peek()).toEqual({ bytes: 0, full: false })
  })

  it('truncates an entry whose JSON escaping passes maxEntryBytes', async () => {
    const { outbox } = setup({ maxEntryBytes: 512 })
    outbox.push(T0, '"'.repeat(400) + '\\'.repeat(100) + '\n') // 501 units, 1000+ bytes escaped
    outbox.push(T0, line(1))
    const batch = outbox.seal()!
    const [first, second] = linesOf(batch.body)
    expect(jsonStringBytes(first)).toBeLessThanOrEqual(512)
    expect(first).toMatch(/truncated 500 chars\]\n$/)
    expect(second).toBe(line(1))
    expect(batch.bytes).toBe(utf8(batch.body))
  })

  it('ends a line without a newline with one, and cuts a changed line out of a block without moving its neighbours', async () => {
    const { outbox } = setup({ maxEntryBytes: 512 })
    outbox.push(T0, line(0))
    outbox.push(T0, 'no newline')
    outbox.push(T0, '')
    outbox.push(T0, '"'.repeat(400) + '\n') // escaped, 800+ bytes: cut
    outbox.push(T0, line(4))
    const batch = outbox.seal()!
    const lines = linesOf(batch.body)
    expect(lines.slice(0, 3)).toEqual([line(0), 'no newline\n', '\n'])
    expect(lines[3]).toMatch(/truncated 400 chars\]\n$/)
    expect(lines[4]).toBe(line(4))
    expect(batch.bytes).toBe(utf8(batch.body))
  })

  it('keeps a burst of many blocks in order through drops, persists and seals', async () => {
    // 100-unit lines, 20,000 of them: 2,000,000 units, about 15 blocks; the bound keeps 5,000.
    const { outbox, store, counts } = setup({ maxStoredBytes: 500_000, maxBatchEntries: 1000, maxBatchBytes: 60 * 1024 })
    for (let i = 0; i < 20_000; i++) outbox.push(T0 + i, line(i, 100))
    expect(counts.dropped).toBe(15_000)
    expect(outbox.waiting).toBe(5_000)
    expect(outbox.oldest).toBe(T0 + 15_000)
    await outbox.persist()
    const stored = await store.read<{ s: number; t: number[]; l: string[] }>('c:a:')
    expect(stored.flatMap(([, c]) => c.l)).toEqual(Array.from({ length: 5_000 }, (_, i) => line(15_000 + i, 100)))
    expect(stored.flatMap(([, c]) => c.t)).toEqual(Array.from({ length: 5_000 }, (_, i) => T0 + 15_000 + i))
    const data: string[] = []
    for (let sealed; (sealed = outbox.seal()); ) data.push(parse(sealed.body).data)
    expect(data.join('')).toBe(
      `${new Date(T0).toISOString()} WARN dropped 15000 entries here\n` + Array.from({ length: 5_000 }, (_, i) => line(15_000 + i, 100)).join(''),
    )
  })

  it('stores bodies byte-identical to the sealed ones', async () => {
    const { outbox, store } = setup({ maxBatchEntries: 3 })
    for (let i = 0; i < 9; i++) outbox.push(T0 + i, i % 2 ? line(i) : `ß ${i} \u2028 \ud83d lone\n`)
    const seals = [outbox.seal()!, outbox.seal()!, outbox.seal()!]
    await Promise.all(seals.map((s) => s.written))
    const stored = await store.read<{ i: number; b: string; n: number; y: number }>('b:a:')
    expect(stored.map(([, v]) => v)).toEqual(seals.map((batch) => ({ i: batch.index, b: batch.body, n: batch.count, y: batch.bytes })))
  })

  it('stores the shapes earlier versions stored: chunks {s,t,l}, the record with mark {n,t}', async () => {
    const { outbox, store } = setup({ maxStoredBytes: 4096, maxBatchEntries: 1000 })
    for (let i = 0; i < 110; i++) outbox.push(T0 + i, line(i)) // 8 dropped
    await outbox.persist()
    const [[key, chunk]] = await store.read<Record<string, unknown>>('c:a:')
    expect(key).toBe('c:a:0000000008')
    expect(Object.keys(chunk).sort()).toEqual(['l', 's', 't'])
    expect(chunk.s).toBe(8)
    expect((chunk.t as number[]).slice(0, 2)).toEqual([T0 + 8, T0 + 9])
    expect((chunk.l as string[]).slice(0, 2)).toEqual([line(8), line(9)])
    const [[, stored]] = await store.read<Record<string, unknown>>(recordKey('a'))
    expect(stored).toMatchObject({ id: 'a', head: 8, nextIndex: 0, mark: { n: 8, t: T0 } })
    expect(stored).not.toHaveProperty('dropped')
    // And reads them back readable.
    expect((await loadInstances(store))[0].mark).toEqual({ n: 8, t: T0 })
    expect((await loadOutboxParts(store, 'a')).chunks[0]).toMatchObject({ s: 8 })
  })

  describe('storage bound', () => {
    // 40-unit lines, 4096 units: 102 entries fit.
    const bounded = () => setup({ maxStoredBytes: 4096, maxBatchEntries: 1000, maxBatchBytes: 60 * 1024 })

    it('drops the oldest unsealed entries, counts them, and says so once in the next batch', async () => {
      const { outbox, counts } = bounded()
      for (let i = 0; i < 300; i++) outbox.push(T0 + i, line(i))
      const kept = outbox.waiting
      expect(counts.dropped).toBe(300 - kept)
      expect(kept * 40).toBeLessThanOrEqual(4096)
      expect(kept).toBe(102)
      await outbox.persist()
      expect(counts.persisted).toBe(kept)

      const batch = outbox.seal()!
      const lines = linesOf(batch.body)
      expect(lines[0]).toBe(`${new Date(T0).toISOString()} WARN dropped ${300 - kept} entries here\n`)
      expect(lines.filter((l) => l.includes('WARN dropped'))).toHaveLength(1)
      expect(lines.slice(1)).toEqual(Array.from({ length: kept }, (_, i) => line(300 - kept + i)))
      expect(batch.count).toBe(kept)
      expect(parse(batch.body).time).toBe(T0) // where the dropped entries were
      expect(batch.bytes).toBe(utf8(batch.body))
      expect(counts.notices.at(-1)).toEqual([T0, 300 - kept])
    })

    it('states only the new drops in a later batch, and none when nothing more was dropped', async () => {
      const { outbox, counts } = bounded()
      for (let i = 0; i < 150; i++) outbox.push(T0 + i, line(i))
      const first = outbox.seal()!
      await outbox.acknowledge(first)
      for (let i = 150; i < 160; i++) outbox.push(T0 + i, line(i))
      const quiet = outbox.seal()!
      expect(linesOf(quiet.body).some((l) => l.includes('WARN dropped'))).toBe(false)
      await outbox.acknowledge(quiet)
      const before = counts.dropped
      for (let i = 160; i < 280; i++) outbox.push(T0 + i, line(i))
      const dropped = counts.dropped - before
      expect(dropped).toBe(120 - 102)
      const later = linesOf(outbox.seal()!.body)
      expect(later[0]).toBe(`${new Date(T0 + 160).toISOString()} WARN dropped ${dropped} entries here\n`)
      expect(later[1]).toBe(line(160 + dropped))
    })

    it('never drops from sealed batches', async () => {
      const { outbox } = bounded()
      for (let i = 0; i < 50; i++) outbox.push(T0 + i, line(i))
      const batch = outbox.seal()!
      const body = batch.body
      for (let i = 50; i < 500; i++) outbox.push(T0 + i, line(i))
      expect(outbox.sealed[0].body).toBe(body)
    })

    it('seals a notice-only batch when every waiting entry was dropped', async () => {
      const { outbox } = setup({ maxStoredBytes: 4096, maxBatchEntries: 1000 })
      outbox.push(T0, 'x'.repeat(5000) + '\n') // bigger than the bound on its own
      expect(outbox.waiting).toBe(0)
      expect(outbox.oldest).toBe(T0)
      const batch = outbox.seal()!
      expect(batch.count).toBe(0)
      expect(parse(batch.body).data).toBe(`${new Date(T0).toISOString()} WARN dropped 1 entries here\n`)
    })
  })

  describe('appSessionGone', () => {
    it('forgets the app session id and gives the sealed batches indexes from 0, same data, and stores them so', async () => {
      const { outbox, store } = setup({ maxBatchEntries: 2 })
      await outbox.setAppSession('as-1')
      expect((await store.read<InstanceRecord>(recordKey('a')))[0][1].appSessionId).toBe('as-1')
      for (let i = 0; i < 8; i++) outbox.push(T0 + i, line(i))
      const batches = [0, 1, 2, 3].map(() => outbox.seal()!)
      batches.forEach(outbox.markSent)
      await outbox.acknowledge(batches[0])
      const data = outbox.sealed.map((b) => parse(b.body).data)
      await outbox.appSessionGone()
      expect(outbox.sealed.map((b) => b.index)).toEqual([0, 1, 2])
      expect(outbox.sealed.map((b) => parse(b.body).index)).toEqual([0, 1, 2])
      expect(outbox.sealed.map((b) => parse(b.body).data)).toEqual(data)
      expect(outbox.sealed.map((b) => parse(b.body).time)).toEqual([T0 + 2, T0 + 4, T0 + 6])
      expect(outbox.sealed.every((b) => !b.attempted && b.bytes === utf8(b.body))).toBe(true)
      expect(outbox.record.nextIndex).toBe(3)
      const stored = await store.read<{ i: number; b: string }>('b:a:')
      expect(stored.map(([key, v]) => [key, v.i, v.b])).toEqual(outbox.sealed.map((b) => [batchKey('a', b.index), b.index, b.body]))
      expect((await store.read<InstanceRecord>(recordKey('a')))[0][1]).toMatchObject({ nextIndex: 3, appSessionId: undefined })
      expect(outbox.record.appSessionId).toBeUndefined()
      outbox.push(T0 + 9, line(9))
      expect(outbox.seal()!.index).toBe(3)
    })
  })

  describe('appSessionGone with a first line', () => {
    it('the new app session starts with it: index 0, a batch of its own that counts no entry, stored', async () => {
      const { outbox, store, counts } = setup({ maxBatchEntries: 2 })
      await outbox.setAppSession('as-1')
      for (let i = 0; i < 4; i++) outbox.push(T0 + i, line(i))
      const batches = [outbox.seal()!, outbox.seal()!]
      batches.forEach(outbox.markSent)
      const data = outbox.sealed.map((b) => parse(b.body).data)
      firstLine = () => 'INFO page info {"userAgent":"x"}\n'
      await outbox.appSessionGone()
      firstLine = undefined
      expect(outbox.sealed.map((b) => parse(b.body).index)).toEqual([0, 1, 2])
      expect(outbox.sealed.map((b) => parse(b.body).data)).toEqual(['INFO page info {"userAgent":"x"}\n', ...data])
      expect(outbox.sealed.map((b) => b.count)).toEqual([0, 2, 2])
      expect(outbox.sealed.every((b) => b.bytes === utf8(b.body))).toBe(true)
      const stored = await store.read<{ i: number; b: string }>('b:a:')
      expect(stored.map(([, v]) => v.b)).toEqual(outbox.sealed.map((b) => b.body))
      await outbox.acknowledge(outbox.sealed[0])
      expect(counts.acknowledged).toBe(0)
    })
  })

  describe('split', () => {
    it('splits a batch in two halves, shifting the later ones, and stores the result', async () => {
      const { outbox, store } = setup({ maxBatchEntries: 5 })
      for (let i = 0; i < 10; i++) outbox.push(T0 + i, line(i))
      const [a, b] = [outbox.seal()!, outbox.seal()!]
      const dataA = parse(a.body).data
      const dataB = parse(b.body).data
      expect(outbox.split(a)).toBe(true)
      expect(outbox.sealed.map((x) => x.index)).toEqual([0, 1, 2])
      expect(outbox.sealed.map((x) => x.count)).toEqual([3, 2, 5])
      expect(parse(outbox.sealed[0].body).data + parse(outbox.sealed[1].body).data).toBe(dataA)
      expect(parse(outbox.sealed[2].body)).toMatchObject({ index: 2, data: dataB })
      expect(outbox.sealed.every((x) => x.bytes === utf8(x.body))).toBe(true)
      expect(outbox.record.nextIndex).toBe(3)
      await outbox.persist() // after the split's own write
      const stored = await store.read<{ i: number; b: string }>('b:a:')
      expect(stored.map(([key, v]) => [key, v.b])).toEqual(outbox.sealed.map((x) => [batchKey('a', x.index), x.body]))
      outbox.push(T0 + 10, line(10))
      expect(outbox.seal()!.index).toBe(3)
    })

    it('keeps a notice line out of the entry counts', async () => {
      const { outbox } = setup({ maxStoredBytes: 4096, maxBatchEntries: 1000 })
      for (let i = 0; i < 105; i++) outbox.push(T0 + i, line(i))
      const batch = outbox.seal()!
      const total = batch.count
      expect(outbox.split(batch)).toBe(true)
      expect(outbox.sealed[0].count + outbox.sealed[1].count).toBe(total)
      expect(linesOf(outbox.sealed[0].body)[0]).toContain('WARN dropped')
    })

    it('refuses a one-line batch, or when a later batch was already sent', async () => {
      const { outbox } = setup({ maxBatchEntries: 2 })
      outbox.push(T0, line(0))
      const single = outbox.seal()!
      expect(outbox.split(single)).toBe(false)
      for (let i = 1; i < 5; i++) outbox.push(T0, line(i))
      const [a, b] = [outbox.seal()!, outbox.seal()!]
      outbox.markSent(b)
      expect(outbox.split(a)).toBe(false)
      expect(outbox.sealed.map((x) => x.index)).toEqual([0, 1, 2])
    })
  })

  describe('a second outbox from what the first left in the store', () => {
    async function reopen(store: Store, limits: Partial<OutboxLimits> = {}) {
      const [record] = await loadInstances(store)
      return setup(limits, store, record, await loadOutboxParts(store, 'a'))
    }

    it('holds the same sealed batches and seals the same next batch', async () => {
      const first = setup({ maxBatchEntries: 10 })
      for (let i = 0; i < 25; i++) first.outbox.push(T0 + i, i % 4 ? line(i) : `ü ${i} 😀 "x"\n`)
      await first.outbox.persist() // one chunk of 25
      await first.outbox.seal()!.written // head moves into the middle of the chunk
      for (let i = 25; i < 32; i++) first.outbox.push(T0 + i, line(i))
      await first.outbox.persist()

      const second = await reopen(first.store, { maxBatchEntries: 10 })
      expect(second.outbox.sealed.map((b) => [b.index, b.body, b.count, b.bytes])).toEqual(
        first.outbox.sealed.map((b) => [b.index, b.body, b.count, b.bytes]),
      )
      expect(second.outbox.waiting).toBe(first.outbox.waiting)
      expect(second.outbox.oldest).toBe(first.outbox.oldest)
      const fromSecond = second.outbox.seal()!
      const fromFirst = first.outbox.seal()!
      expect(fromSecond.index).toBe(1)
      expect([fromSecond.index, fromSecond.body, fromSecond.count, fromSecond.bytes]).toEqual([
        fromFirst.index,
        fromFirst.body,
        fromFirst.count,
        fromFirst.bytes,
      ])
    })

    it('carries a pending drop notice over', async () => {
      const first = setup({ maxStoredBytes: 4096, maxBatchEntries: 1000 })
      for (let i = 0; i < 130; i++) first.outbox.push(T0 + i, line(i))
      await first.outbox.persist()
      const second = await reopen(first.store, { maxStoredBytes: 4096, maxBatchEntries: 1000 })
      const fromSecond = second.outbox.seal()!
      const fromFirst = first.outbox.seal()!
      expect(linesOf(fromFirst.body)[0]).toContain('dropped 28 entries')
      expect(fromSecond.body).toBe(fromFirst.body)
    })

    it('agrees after drops that hit entries already in a stored chunk', async () => {
      const limits = { maxStoredBytes: 4096, maxBatchEntries: 1000 }
      const first = setup(limits)
      for (let i = 0; i < 80; i++) first.outbox.push(T0 + i, line(i))
      await first.outbox.persist()
      for (let i = 80; i < 140; i++) first.outbox.push(T0 + i, line(i)) // drops entries 0..37 from the chunk
      await first.outbox.persist()
      const second = await reopen(first.store, limits)
      const fromSecond = second.outbox.seal()!
      const fromFirst = first.outbox.seal()!
      expect(linesOf(fromFirst.body)[0]).toContain('dropped 38 entries')
      expect(linesOf(fromFirst.body)[1]).toBe(line(38))
      expect(fromSecond.body).toBe(fromFirst.body)
    })

    it('agrees after thousands of entries (memory compaction) went through', async () => {
      const limits = { maxBatchEntries: 1000, maxBatchBytes: 60 * 1024 }
      const first = setup(limits)
      const all: string[] = []
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 700; i++) {
          const text = line(all.length)
          all.push(text)
          first.outbox.push(T0 + all.length, text)
        }
        await first.outbox.persist()
        await first.outbox.seal()!.written
      }
      const second = await reopen(first.store, limits)
      const rest = (outbox: typeof first.outbox) => {
        const bodies = []
        for (let sealed; (sealed = outbox.seal()); ) bodies.push(sealed.body)
        return bodies
      }
      const fromSecond = rest(second.outbox)
      const fromFirst = rest(first.outbox)
      expect(fromSecond).toEqual(fromFirst)
      const bodies = [...first.outbox.sealed.map((b) => b.body)]
      expect(bodies.map((b) => parse(b).index)).toEqual(bodies.map((_, i) => i))
      expect(bodies.map((b) => parse(b).data).join('')).toBe(all.join(''))
    })

    it('has nothing left once the first settled everything', async () => {
      const first = setup()
      for (let i = 0; i < 5; i++) first.outbox.push(T0 + i, line(i))
      await first.outbox.persist()
      const batch = first.outbox.seal()!
      await batch.written
      await first.outbox.acknowledge(batch)
      const second = await reopen(first.store)
      expect(second.outbox.sealed).toEqual([])
      expect(second.outbox.waiting).toBe(0)
      expect(second.outbox.seal()).toBeUndefined()
    })

    it('clear() removes everything the instance stored', async () => {
      const first = setup({ maxBatchEntries: 2 })
      for (let i = 0; i < 5; i++) first.outbox.push(T0 + i, line(i))
      await first.outbox.persist()
      await first.outbox.seal()!.written
      await first.outbox.clear()
      expect(await first.store.read('')).toEqual([])
    })

    it('clear() also forgets what it holds, and nothing written after it lands (a late acknowledgement or registration)', async () => {
      const first = setup({ maxBatchEntries: 2 })
      for (let i = 0; i < 5; i++) first.outbox.push(T0 + i, line(i))
      await first.outbox.persist()
      const batch = first.outbox.seal()!
      await batch.written
      await first.outbox.clear()
      expect(first.outbox.sealed).toEqual([])
      await first.outbox.setAppSession('late')
      await first.outbox.acknowledge(batch)
      await first.outbox.persist()
      expect(await first.store.read('')).toEqual([])
    })

    it('clear() before the write gate opens writes nothing, ever (consent denied while pending)', async () => {
      const store = createMemoryStore()
      const write = vi.spyOn(store, 'write')
      const outbox = createOutbox({
        record: { id: 'p', clientId: 'ui', started: T0, url: '', nextIndex: 0, head: 0 },
        store,
        limits: LIMITS,
        events: { notice: () => 'dropped\n' },
        writeGate: new Promise(() => {}),
      })
      for (let i = 0; i < 5; i++) outbox.push(T0 + i, line(i))
      void outbox.clear()
      await new Promise((resolve) => setTimeout(resolve, 10))
      expect(write).not.toHaveBeenCalled()
    })
  })
})
