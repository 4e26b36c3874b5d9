import type { Outbox } from '../outbox/outbox'
import type { Client } from './client'
import { warnOnce } from '../lib/console'

/**
 * The app session of one instance, owned here: registered on first need,
 * once (a refusal is final); its id kept in the instance record, which the
 * outbox stores; forgotten when the server answers 404, so the next need
 * registers anew. Nothing else reads or writes the id.
 */

/** What registering needs of the outbox: the record it registers, and where its id is kept. */
export type SessionOwner = Pick<Outbox, 'record' | 'setAppSession'>

/** The id, once there is one. */
export const appSessionIdOf = (owner: Pick<Outbox, 'record'>) => owner.record.appSessionId

/** The id; registers the app session (once for concurrent callers) when there is none yet. */
export function createAppSession(client: Client, owner: SessionOwner): () => Promise<string> {
  let registering: Promise<string> | undefined
  return () => {
    const known = appSessionIdOf(owner)
    if (known) return Promise.resolve(known)
    return (registering ??= client.register(owner.record).then((id) => {
      registering = undefined
      void owner.setAppSession(id)
      return id
    }))
  }
}

/**
 * The server forgot app session `id` (HTTP 404): the outbox forgets it too
 * and renumbers every unacknowledged batch from 0 for the next one.
 */
export function appSessionGone(owner: Pick<Outbox, 'appSessionGone'>, id: string): Promise<void> {
  warnOnce(`app session ${id} gone (HTTP 404)`)
  return owner.appSessionGone()
}
