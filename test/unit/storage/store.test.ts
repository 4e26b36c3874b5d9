// @vitest-environment happy-dom
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fresh } from '../../support/helpers'
import { createIdbStore, createMemoryStore, type Store } from '../../../src/storage/store'

beforeEach(() => {
  // A fresh, empty IndexedDB per test.
  vi.stubGlobal('indexedDB', new IDBFactory())
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

const kinds: Array<[string, () => Store]> = [
  ['memory', () => createMemoryStore()],
  ['indexeddb', () => createIdbStore('test-db', 'records')],
]

describe.each(kinds)('%s store', (kind, make) => {
  it('reads back what it wrote, by prefix only, in key order', async () => {
    const store = make()
    await store.write(
      [
        ['b:x:0000000002', { i: 2 }],
        ['b:x:0000000000', { i: 0 }],
        ['b:xy:0000000001', { i: 'other instance' }],
        ['c:x:0000000000', { s: 0 }],
        ['b:x:0000000001', { i: 1 }],
        ['i:x', { id: 'x' }],
        ['a:x', 1],
      ],
      [],
    )
    expect(await store.read('b:x:')).toEqual([
      ['b:x:0000000000', { i: 0 }],
      ['b:x:0000000001', { i: 1 }],
      ['b:x:0000000002', { i: 2 }],
    ])
    expect((await store.read('b:')).map(([key]) => key)).toEqual(['b:x:0000000000', 'b:x:0000000001', 'b:x:0000000002', 'b:xy:0000000001'])
    expect(await store.read('i:')).toEqual([['i:x', { id: 'x' }]])
    expect(await store.read('z:')).toEqual([])
  })

  it('applies deletes before puts in one write', async () => {
    const store = make()
    await store.write(
      [
        ['k:1', 'one'],
        ['k:2', 'two'],
      ],
      [],
    )
    // Delete and re-put the same key: the put must win. Delete a key that is not there: no error.
    await store.write([['k:1', 'ONE']], ['k:1', 'k:2', 'k:missing'])
    expect(await store.read('k:')).toEqual([['k:1', 'ONE']])
  })

  it('keeps plain data intact (strings with any characters, arrays, nested objects)', async () => {
    const store = make()
    const value = { s: 0, t: [1, 2], l: ['a "q" \\ 😀\n', '\ud800 lone\n'], mark: { n: 3, t: 4 } }
    await store.write([['c:v', value]], [])
    expect(await store.read('c:v')).toEqual([['c:v', value]])
  })

  it(`is ${kind === 'memory' ? 'not ' : ''}durable`, () => {
    expect(make().durable).toBe(kind !== 'memory')
  })
})

describe('IndexedDB store', () => {
  it('keeps records for the next page load (a new store on the same database)', async () => {
    await createIdbStore('persist-db').write([['i:a', { id: 'a' }]], [])
    expect(await createIdbStore('persist-db').read('i:')).toEqual([['i:a', { id: 'a' }]])
  })

  it('lands all of a write or none of it', async () => {
    const store = createIdbStore('atomic-db')
    await store.write([['k:keep', 1]], [])
    // The second put cannot be cloned: the whole write must fail, the delete included.
    await expect(
      store.write(
        [
          ['k:new', 2],
          ['k:bad', () => {}],
        ],
        ['k:keep'],
      ),
    ).rejects.toThrow()
    await new Promise((resolve) => setTimeout(resolve, 20)) // let a (wrongly) auto-committing transaction finish
    expect(await store.read('k:')).toEqual([['k:keep', 1]])
  })
})

describe('createStoreFor', () => {
  const load = () => fresh(() => import('../../../src/storage/store'))

  it('uses memory for storage: "memory", without a warning', async () => {
    const { createStoreFor, warn } = await load()
    const open = vi.spyOn(indexedDB, 'open')
    const store = createStoreFor('memory')
    expect(store.durable).toBe(false)
    await store.write([['k', 1]], [])
    expect(await store.read('k')).toEqual([['k', 1]])
    expect(open).not.toHaveBeenCalled()
    expect(warn).not.toHaveBeenCalled()
  })

  it('uses IndexedDB when it works', async () => {
    const { createStoreFor, warn } = await load()
    const store = createStoreFor('indexeddb')
    expect(store.durable).toBe(true)
    await store.write([['k', 1]], [])
    expect(await createIdbStore().read('k')).toEqual([['k', 1]])
    expect(warn).not.toHaveBeenCalled()
  })

  it('pause() holds reads and writes back until resumed; a write it aborts (let through just before) runs again then, still in IndexedDB', async () => {
    const { createStoreFor, warn } = await load()
    const store = createStoreFor('indexeddb')
    await store.write([['k', 0]], [])
    const running = store.write([['k', 1], ['a', 1]], [])
    const resume = store.pause()
    const done: string[] = []
    // Chained, as the outbox chains its writes.
    const held = running.then(() => store.write([['k', 2]], [])).then(() => done.push('write'))
    const read = held.then(() => store.read<number>('k')).then((records) => (done.push('read'), records))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(done).toEqual([])
    resume()
    await Promise.all([running, held])
    expect(await read).toEqual([['k', 2]])
    expect(done).toEqual(['write', 'read'])
    expect(await createIdbStore().read('')).toEqual([['a', 1], ['k', 2]])
    expect(store.durable).toBe(true)
    expect(warn).not.toHaveBeenCalled()
  })

  it('falls back to memory, warning once, when indexedDB is missing', async () => {
    const { createStoreFor, warn } = await load()
    vi.stubGlobal('indexedDB', undefined)
    const store = createStoreFor('indexeddb')
    expect(store.durable).toBe(false)
    await store.write([['k', 1]], [])
    expect(await store.read('k')).toEqual([['k', 1]])
    createStoreFor('indexeddb')
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0][0])).toMatch(/IndexedDB/)
  })

  it('falls back to memory, warning once, when open throws', async () => {
    const { createStoreFor, warn } = await load()
    vi.stubGlobal('indexedDB', {
      open() {
        throw new DOMException('The operation is insecure.', 'SecurityError')
      },
    })
    // idb-keyval opens lazily: the first operation meets the throw and switches for good.
    const store = createStoreFor('indexeddb')
    await store.write([['k', 1]], [])
    expect(store.durable).toBe(false)
    expect(await store.read('k')).toEqual([['k', 1]])
    await store.write([['k', 2]], [])
    expect(await store.read('k')).toEqual([['k', 2]])
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0][0])).toContain('insecure')
  })

  it('falls back to memory, warning once, when open fails later, and loses no write', async () => {
    const { createStoreFor, warn } = await load()
    vi.stubGlobal('indexedDB', {
      open() {
        const request: Record<string, unknown> = {}
        setTimeout(() => {
          request.error = new DOMException('blocked by the user', 'UnknownError')
          ;(request.onerror as () => void)()
        })
        return request
      },
    })
    const store = createStoreFor('indexeddb')
    await store.write([['k:1', 1]], [])
    expect(store.durable).toBe(false)
    await store.write([['k:2', 2]], [])
    expect(await store.read('k:')).toEqual([
      ['k:1', 1],
      ['k:2', 2],
    ])
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0][0])).toContain('blocked by the user')
  })

  it('falls back when a read fails first', async () => {
    const { createStoreFor, warn } = await load()
    vi.stubGlobal('indexedDB', {
      open() {
        throw new Error('no storage')
      },
    })
    expect(await createStoreFor('indexeddb').read('i:')).toEqual([])
    expect(warn).toHaveBeenCalledTimes(1)
  })
})
