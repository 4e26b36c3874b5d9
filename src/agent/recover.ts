import type { ResolvedConfig } from './config'
import type { Client } from '../delivery/client'
import type { Store } from '../storage/store'
import { createOutbox, type OutboxLimits } from '../outbox/outbox'
import { loadInstances, loadOutboxParts } from '../storage/schema'
import { createSender, type SenderOptions } from '../delivery/sender'
import { hasLocks, ifLockFree, lockName, isParked, clearParked } from '../lib/locks'
import { warnOnce } from '../lib/console'

export interface RecoveryOptions {
  store: Store
  /** Its own `clientId` (only those instances are adopted), the outbox's limits and the sender's interval. */
  config: Pick<ResolvedConfig, 'clientId'> & OutboxLimits & SenderOptions['config']
  client: Client
  signal: AbortSignal
  /** This instance: alive, so never adopted. */
  ownId: string
  notice(time: number, count: number): string
}

/**
 * Delivers what dead instances of this client id left in storage, each to
 * its own app session (registered now, with its own `started` and `url`, if
 * it never got one), then removes it.
 *
 * Liveness comes from Web Locks: every instance holds a lock named after it
 * for its whole life and writes nothing before it holds it, so a record whose
 * lock is free belongs to a tab that closed or crashed. Taking that lock
 * (`ifAvailable`) before adopting keeps two starting tabs from adopting the
 * same one; the record is read again under the lock, since a tab that got it
 * first deletes the record before letting go.
 *
 * An instance whose page sits in a back/forward cache holds no lock but has a
 * fresh park mark (see `markParked`): it is left alone, its lock not even
 * requested, since that would get the frozen page evicted. Once the mark is
 * older than any engine keeps a page, the page is gone and its leftovers are
 * adopted. Under the lock the mark is checked again (the page may have
 * parked meanwhile) and removed before anything is read: a page coming back
 * takes its lock, finds the mark gone and stops, so no batch goes twice.
 */
export async function recoverOrphans({ store, config, client, signal, ownId, notice }: RecoveryOptions): Promise<void> {
  if (!store.durable) return
  if (!hasLocks()) {
    // Without locks a live tab cannot be told from a dead one: adopting could send twice.
    warnOnce('no Web Locks: entries of closed tabs are not recovered')
    return
  }
  for (const candidate of await loadInstances(store)) {
    if (signal.aborted) return
    if (candidate.clientId !== config.clientId || candidate.id === ownId || isParked(candidate.id)) continue
    await ifLockFree(lockName(candidate.id), async () => {
      if (isParked(candidate.id)) return
      clearParked(candidate.id)
      const record = (await loadInstances(store)).find((r) => r.id === candidate.id)
      if (!record) return
      const outbox = createOutbox({
        record,
        store,
        limits: config,
        events: { notice },
        restored: await loadOutboxParts(store, record.id),
      })
      const sender = createSender({ outbox, client, config, signal })
      await sender.drain()
      sender.stop()
      if (!signal.aborted && !outbox.sealed.length && outbox.oldest === undefined) await outbox.clear()
    })
  }
}
