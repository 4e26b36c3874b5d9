import { afterEach, describe, expect, it, vi } from 'vitest'
import { recoverOrphans, type RecoveryOptions } from '../../../src/agent/recover'
import type { Client } from '../../../src/delivery/client'
import { chunkEntry, instanceEntry, type InstanceRecord } from '../../../src/storage/schema'
import { createMemoryStore, type Store } from '../../../src/storage/store'
import { logsPath } from '../../../src/wire'
import { T0 } from '../../support/helpers'

const CONFIG: RecoveryOptions['config'] = {
  clientId: 'ui',
  flushInterval: 1000,
  maxBatchBytes: 32 * 1024,
  maxBatchEntries: 1000,
  maxEntryBytes: 8 * 1024,
  maxStoredBytes: 1 << 20,
}

const record = (id: string, extra: Partial<InstanceRecord> = {}): InstanceRecord => ({
  id,
  clientId: 'ui',
  started: T0,
  url: `https://app.example/${id}`,
  nextIndex: 0,
  head: 0,
  ...extra,
})

/** A store that says it outlives the page, as IndexedDB does. */
function durableStore(): Store {
  const memory = createMemoryStore()
  return { write: memory.write, read: memory.read, durable: true }
}

/** Web Locks where the instances named in `live` are held by their (live) tabs. */
function installLocks(...live: string[]) {
  const taken: string[] = []
  const request = vi.fn(async (name: string, options: { ifAvailable?: boolean }, callback: (lock: object | null) => unknown) => {
    if (live.some((id) => name.endsWith(':' + id))) return callback(null)
    taken.push(name)
    return callback({ name, mode: 'exclusive' })
  })
  vi.stubGlobal('navigator', { locks: { request } })
  return taken
}

/** A client whose every request succeeds; registration hands out `as-1`, `as-2`, … */
function fakeClient() {
  const sent: Array<{ path: string; body?: string }> = []
  const registered: InstanceRecord[] = []
  const client: Client = {
    request: vi.fn(async (path: string, body?: string) => {
      sent.push({ path, body })
      return { status: 200, text: '', retryAfter: undefined }
    }),
    keepalive: vi.fn(async () => ({ status: 200, text: '', retryAfter: undefined })),
    register: vi.fn(async (r: Readonly<InstanceRecord>) => {
      registered.push({ ...r })
      return `as-${registered.length}`
    }),
    linkUser: vi.fn(async () => {}),
  }
  return { client, sent, registered }
}

/** What a tab that died after storing three entries leaves behind. */
async function leaveOrphan(store: Store, id: string, extra: Partial<InstanceRecord> = {}) {
  const lines = [0, 1, 2].map((n) => `${id} entry ${n}\n`)
  await store.write([instanceEntry(record(id, extra)), chunkEntry(id, 0, [T0, T0 + 1, T0 + 2], lines)], [])
  return lines
}

function recover(store: Store, client: Client, ownId = 'own') {
  const signal = new AbortController().signal
  return recoverOrphans({ store, config: CONFIG, client, signal, ownId, notice: (time, count) => `dropped ${count} at ${time}\n` })
}

afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

describe('recoverOrphans', () => {
  it("delivers a dead instance's entries under an app session registered for it, then removes everything it stored", async () => {
    installLocks()
    const store = durableStore()
    const lines = await leaveOrphan(store, 'dead')
    const { client, sent, registered } = fakeClient()
    await recover(store, client)
    // Registered with the dead tab's own `started` and `url`, not this one's.
    expect(registered).toHaveLength(1)
    expect(registered[0]).toMatchObject({ id: 'dead', started: T0, url: 'https://app.example/dead' })
    expect(sent).toHaveLength(1)
    expect(sent[0].path).toBe(logsPath('as-1'))
    expect(JSON.parse(sent[0].body!)).toEqual({ time: T0, data: lines.join(''), index: 0 })
    expect(await store.read('')).toEqual([])
  })

  it('uses the app session the dead instance already had, and goes on from its next index', async () => {
    installLocks()
    const store = durableStore()
    await leaveOrphan(store, 'dead', { appSessionId: 'as-old', nextIndex: 4 })
    const { client, sent, registered } = fakeClient()
    await recover(store, client)
    expect(registered).toEqual([])
    expect(sent.map((s) => [s.path, JSON.parse(s.body!).index])).toEqual([[logsPath('as-old'), 4]])
  })

  it('leaves alone its own instance, live tabs (lock held) and other client ids', async () => {
    const taken = installLocks('live')
    const store = durableStore()
    await leaveOrphan(store, 'own')
    await leaveOrphan(store, 'live')
    await leaveOrphan(store, 'other', { clientId: 'another app' })
    const before = await store.read('')
    const { client, sent } = fakeClient()
    await recover(store, client, 'own')
    expect(sent).toEqual([])
    expect(taken).toEqual([])
    expect(await store.read('')).toEqual(before)
  })

  it('adopts nothing without Web Locks (a live tab cannot be told from a dead one)', async () => {
    vi.stubGlobal('navigator', {})
    const store = durableStore()
    await leaveOrphan(store, 'dead')
    const { client, sent } = fakeClient()
    await recover(store, client)
    expect(sent).toEqual([])
    expect(await store.read('i:')).toHaveLength(1)
  })

  it('does nothing with a store that does not outlive the page', async () => {
    const taken = installLocks()
    const store = createMemoryStore()
    await leaveOrphan(store, 'dead')
    const { client, sent } = fakeClient()
    await recover(store, client)
    expect(sent).toEqual([])
    expect(taken).toEqual([])
  })
})
