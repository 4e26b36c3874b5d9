import type { ResolvedConfig } from '../agent/config'
import type { Outbox, SealedBatch } from '../outbox/outbox'
import type { Client } from './client'
import { appSessionGone, appSessionIdOf, createAppSession } from './app-session'
import { logsPath } from '../wire'
import { delivered } from './transport'
import { KEEPALIVE_BUDGET_BYTES } from '../lib/keepalive'
import { warnOnce } from '../lib/console'

export interface SenderOptions {
  outbox: Outbox
  client: Client
  config: Pick<ResolvedConfig, 'flushInterval'>
  signal: AbortSignal
}

export interface Sender {
  /** The outbox's app session id; registers it (once) when there is none yet. */
  appSession(): Promise<string>
  /** Sends what is due, one batch at a time; resolves when nothing more is due now. */
  kick(): Promise<void>
  /**
   * Makes everything waiting due at once (flush, drain), until the returned
   * function is called. Without it, a batch is due when it is full or its
   * oldest entry has waited `flushInterval`.
   */
  sendNow(): () => void
  /** Sends everything, due or not, until the outbox is empty (or delivery failed for good). */
  drain(): Promise<void>
  /**
   * The page may go now: sends what fits in the keepalive budget, then
   * stores what is left. Batches sealed here go out before their write
   * completes: there may be no later moment. That is safe because a cut
   * depends only on the entries (see `cutBatch`): if the write is lost, the
   * next load cuts the same batch from the stored entries, or a prefix of it
   * when the newest entries were not stored either, and the server keeps the first body.
   */
  exit(): void
  stop(): void
}

/**
 * Delivers one outbox, and owns how a batch goes out: seals a batch when
 * one is due, stores it, sends it until a 2xx (or a permanent error),
 * removes it, and goes on. One batch in flight per app session, so the
 * server sees indexes in order; at page exit, keepalive copies of what fits.
 * The app session is the outbox record's: registered on first need.
 */
export function createSender({ outbox, client, config, signal }: SenderOptions): Sender {
  const appSession = createAppSession(client, outbox)
  let running: Promise<void> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  // Set when delivery failed for good (e.g. registration refused): no more timers, no busy loop.
  let broken = false
  // How many callers want everything sent now (flush, drain).
  let wanted = 0
  // Keepalive copies in flight, and their bytes: Chromium's budget is shared by every keepalive request of the page.
  const keepalives = new Set<SealedBatch>()
  let keepaliveBytes = 0

  function due(): boolean {
    const oldest = outbox.oldest
    if (oldest === undefined) return false
    return wanted > 0 || Date.now() >= oldest + config.flushInterval || outbox.peek().full
  }

  /** Sends one batch through the retry policy; returns the final status. */
  async function send(appSessionId: string, batch: SealedBatch): Promise<number> {
    await batch.written
    outbox.markSent(batch)
    const answer = await client.request(logsPath(appSessionId), batch.body)
    return answer.status
  }

  async function run(): Promise<void> {
    while (!signal.aborted) {
      const appSessionId = await appSession()
      const batch = outbox.sealed[0] ?? (due() ? outbox.seal() : undefined)
      if (!batch) return
      const status = await send(appSessionId, batch)
      if (delivered(status)) {
        await outbox.acknowledge(batch)
      } else if (status === 404) {
        // The app session is gone: a new one gets every unacknowledged batch, renumbered from 0.
        await appSessionGone(outbox, appSessionId)
      } else if (status === 413 && outbox.split(batch)) {
        // Rejected whole, so no byte of it was accepted: safe to re-cut (see README, "Permanent errors").
      } else {
        warnOnce(`batch dropped: HTTP ${status}`)
        await outbox.drop(batch)
      }
    }
  }

  function schedule(): void {
    clearTimeout(timer)
    const oldest = outbox.oldest
    if (oldest === undefined || signal.aborted || broken) return
    timer = setTimeout(kick, wanted ? 0 : Math.max(0, oldest + config.flushInterval - Date.now()))
  }

  function kick(): Promise<void> {
    running ??= run()
      .catch((error) => {
        if (signal.aborted) return
        broken = true
        warnOnce('delivery stopped: ' + String(error))
      })
      .finally(() => {
        running = undefined
        schedule()
      })
    return running
  }

  function sendNow(): () => void {
    wanted++
    void kick()
    return () => void wanted--
  }

  /** A copy of a sealed batch that may outlive the page. Its answer settles it like any other. */
  function sendKeepalive(appSessionId: string, batch: SealedBatch): void {
    outbox.markSent(batch)
    keepalives.add(batch)
    keepaliveBytes += batch.bytes
    client
      .keepalive(logsPath(appSessionId), batch.body)
      .then((answer) => {
        if (delivered(answer.status)) void outbox.acknowledge(batch)
      })
      .catch(() => {})
      .finally(() => {
        keepaliveBytes -= batch.bytes
        keepalives.delete(batch)
      })
  }

  /** Sends keepalive copies of what fits the budget, sealing more while the budget lasts. */
  function sendWhatFits(appSessionId: string): void {
    let budget = KEEPALIVE_BUDGET_BYTES - keepaliveBytes
    for (const batch of outbox.sealed) {
      if (keepalives.has(batch)) continue
      if (batch.bytes > budget) return
      budget -= batch.bytes
      sendKeepalive(appSessionId, batch)
    }
    // A pending drop notice means the head moved since the last write: recovery might cut differently.
    while (!outbox.record.mark) {
      const { bytes } = outbox.peek()
      if (!bytes || bytes > budget) return
      budget -= bytes
      sendKeepalive(appSessionId, outbox.seal()!)
    }
  }

  return {
    appSession,
    kick,
    sendNow,
    async drain() {
      const done = sendNow()
      try {
        while (!signal.aborted && !broken && (outbox.sealed.length || outbox.oldest !== undefined)) await kick()
      } finally {
        done()
      }
    },
    exit() {
      // The sends start first: the page may be gone before a storage write is even queued.
      const appSessionId = appSessionIdOf(outbox)
      if (appSessionId) sendWhatFits(appSessionId)
      // Everything at once: there may be no next task.
      void outbox.persist()
    },
    stop: () => clearTimeout(timer),
  }
}
