import { createStore, promisifyRequest, type UseStore } from 'idb-keyval'
import { warnOnce } from '../lib/console'

/**
 * Where entries wait for delivery. Keys are strings with a kind prefix
 * (`i:` instance, `c:` chunk of entries, `b:` sealed batch), so one prefix
 * read finds everything one instance left behind.
 */
export interface Store {
  /** One transaction: the deletes, then the puts; every one lands, or none does. */
  write(puts: Array<[string, unknown]>, deletes: string[]): Promise<void>
  /** Every record whose key starts with `prefix`, in key order. */
  read<T>(prefix: string): Promise<Array<[string, T]>>
  /** `false` once it works in memory only: nothing it holds outlives the page. */
  readonly durable: boolean
}

/** A store in a plain Map: for `storage: 'memory'` and for when IndexedDB fails. */
export function createMemoryStore(): Store {
  const records = new Map<string, unknown>()
  return {
    durable: false,
    async write(puts, deletes) {
      for (const key of deletes) records.delete(key)
      for (const [key, value] of puts) records.set(key, value)
    },
    async read<T>(prefix: string) {
      return [...records]
        .filter(([key]) => key.startsWith(prefix))
        .sort(([a], [b]) => (a < b ? -1 : 1)) as Array<[string, T]>
    },
  }
}

/** An idb-keyval store of its own: one database, one object store (idb-keyval's rule). */
export function createIdbStore(dbName = 'horn-logger', storeName = 'records'): Store {
  const useStore: UseStore = createStore(dbName, storeName)
  return {
    durable: true,
    write: (puts, deletes) =>
      useStore('readwrite', (store) => {
        try {
          for (const key of deletes) store.delete(key)
          for (const [key, value] of puts) store.put(value, key)
        } catch (error) {
          // A value that cannot be cloned throws here: undo what was queued, so the write is all or nothing.
          store.transaction.abort()
          throw error
        }
        return promisifyRequest(store.transaction)
      }),
    read: <T>(prefix: string) =>
      useStore('readonly', async (store) => {
        const range = IDBKeyRange.bound(prefix, prefix + '\uffff')
        const [keys, values] = await Promise.all([promisifyRequest(store.getAllKeys(range)), promisifyRequest(store.getAll(range))])
        return keys.map((key, i) => [key as string, values[i] as T] as [string, T])
      }),
  }
}

/**
 * IndexedDB when it works, memory when it does not (private modes, blocked
 * storage, quota errors): the first failure switches for good and says so once.
 * The database is opened on first use, not before: a page without consent
 * (or outside the sample) never opens it.
 */
export function createStoreFor(kind: 'indexeddb' | 'memory'): Store {
  const memory = createMemoryStore()
  let current: Store | undefined
  let warned = false
  const fallBack = (reason: unknown) => {
    if (!warned) warnOnce(`IndexedDB failed (${reason}); memory only`)
    warned = true
    return (current = memory)
  }
  const open = (): Store => {
    if (current) return current
    if (kind === 'memory') return (current = memory)
    try {
      return typeof indexedDB == 'object' && indexedDB ? (current = createIdbStore()) : fallBack('missing')
    } catch (error) {
      return fallBack(error)
    }
  }
  /** Runs one operation on the current store, and again in memory if it fails (sync throws included). */
  const guarded = async <R>(op: (store: Store) => Promise<R>): Promise<R> => {
    try {
      return await op(open())
    } catch (error) {
      return op(fallBack(error))
    }
  }
  return {
    get durable() {
      return open().durable
    },
    write: (puts, deletes) => guarded((store) => store.write(puts, deletes)),
    read: (prefix) => guarded((store) => store.read(prefix)),
  }
}
