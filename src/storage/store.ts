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
  /**
   * While on, aborts every transaction: those still running and any started
   * meanwhile (an operation let through just before). An aborted write lands
   * none of its parts, and rejects.
   */
  hold?(on: boolean): void
}

/** The agent's store: a `Store` that can be held still. */
export interface PausableStore extends Store {
  /**
   * Holds every later read and write back (queued, in order) until the
   * returned function is called. For a page going into the back/forward
   * cache: an IndexedDB transaction still running in a frozen page gets it
   * evicted as soon as another page uses the database.
   */
  pause(): () => void
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
  const running = new Set<IDBTransaction>()
  let held = false
  const abort = (transaction: IDBTransaction) => {
    try {
      transaction.abort()
    } catch {
      // Already finished.
    }
  }
  /** Keeps the transaction in `running` until it ends; aborts it at once while held. */
  const track = <T>(transaction: IDBTransaction, done: Promise<T>) => {
    running.add(transaction)
    if (held) abort(transaction)
    return done.finally(() => running.delete(transaction))
  }
  return {
    durable: true,
    hold(on) {
      if ((held = on)) running.forEach(abort)
    },
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
        return track(store.transaction, promisifyRequest(store.transaction))
      }),
    read: <T>(prefix: string) =>
      useStore('readonly', async (store) => {
        const range = IDBKeyRange.bound(prefix, prefix + '\uffff')
        const [keys, values] = await track(store.transaction, Promise.all([promisifyRequest(store.getAllKeys(range)), promisifyRequest(store.getAll(range))]))
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
export function createStoreFor(kind: 'indexeddb' | 'memory'): PausableStore {
  const memory = createMemoryStore()
  let gate: Promise<void> | undefined
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
    for (;;) {
      while (gate) await gate
      try {
        return await op(open())
      } catch (error) {
        // Aborted by `pause()`: nothing of it landed; it runs again once resumed.
        if (gate) continue
        return op(fallBack(error))
      }
    }
  }
  return {
    get durable() {
      return open().durable
    },
    write: (puts, deletes) => guarded((store) => store.write(puts, deletes)),
    read: (prefix) => guarded((store) => store.read(prefix)),
    pause() {
      let resume = () => {}
      const held = (gate = new Promise((resolve) => (resume = resolve)))
      current?.hold?.(true)
      return () => {
        if (gate == held) {
          gate = undefined
          current?.hold?.(false)
        }
        resume()
      }
    },
  }
}
