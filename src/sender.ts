import type { ResolvedConfig } from './config'
import type { Outbox, SealedBatch } from './outbox'
import type { RetryPolicy } from './retry'
import { createAppSession, logsPath, request } from './session'
import { delivered } from './transport'
import { warnOnce } from './lib/console'

export interface SenderOptions {
  outbox: Outbox
  config: ResolvedConfig
  retry: RetryPolicy
  signal: AbortSignal
  /** Seal without waiting for the flush interval (flush, recovery). */
  urgent(): boolean
}

export interface Sender {
  /** The outbox's app session id; registers it (once) when there is none yet. */
  appSession(): Promise<string>
  /** Sends what is due, one batch at a time; resolves when nothing more is due now. */
  kick(): Promise<void>
  /** Sends everything, due or not, until the outbox is empty (or delivery failed for good). */
  drain(): Promise<void>
  stop(): void
}

/**
 * Delivers one outbox: seals a batch when one is due, stores it, sends it
 * until a 2xx (or a permanent error), removes it, and goes on. One batch in
 * flight per app session, so the server sees indexes in order. The app
 * session is the outbox record's: registered on first need, kept in the record.
 */
export function createSender(options: SenderOptions): Sender {
  const { outbox, config, retry, signal } = options
  const session = createAppSession(retry, config, signal, outbox.record, outbox.saveRecord)
  let running: Promise<void> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  // Set when delivery failed for good (e.g. registration refused): no more timers, no busy loop.
  let broken = false
  // drain() sends everything, due or not.
  let draining = false

  function due(): boolean {
    const oldest = outbox.oldest
    if (oldest === undefined) return false
    return draining || options.urgent() || Date.now() >= oldest + config.flushInterval || outbox.peek().full
  }

  /** Sends one batch through the retry policy; returns the final status. */
  async function send(appSessionId: string, batch: SealedBatch): Promise<number> {
    await batch.written
    batch.attempted = true
    const answer = await request(retry, config, signal, logsPath(appSessionId), batch.body)
    return answer.status
  }

  async function run(): Promise<void> {
    while (!signal.aborted) {
      const appSessionId = await session.get()
      const batch = outbox.sealed[0] ?? (due() ? outbox.seal()?.batch : undefined)
      if (!batch) return
      const status = await send(appSessionId, batch)
      if (delivered(status)) {
        await outbox.settle(batch)
      } else if (status === 404) {
        // The app session is gone: a new one gets every unacknowledged batch, renumbered from 0.
        warnOnce(`app session ${appSessionId} gone (HTTP 404); registering anew`)
        session.forget()
        await outbox.renumber()
      } else if (status === 413 && outbox.split(batch)) {
        // Rejected whole, so no byte of it was accepted: safe to re-cut (see README, "Permanent errors").
      } else {
        warnOnce(`batch dropped: HTTP ${status}`)
        await outbox.settle(batch, true)
      }
    }
  }

  function schedule(): void {
    clearTimeout(timer)
    const oldest = outbox.oldest
    if (oldest === undefined || signal.aborted || broken) return
    timer = setTimeout(kick, options.urgent() ? 0 : Math.max(0, oldest + config.flushInterval - Date.now()))
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

  return {
    appSession: session.get,
    kick,
    async drain() {
      draining = true
      try {
        while (!signal.aborted && !broken && (outbox.sealed.length || outbox.oldest !== undefined)) await kick()
      } finally {
        draining = false
      }
    },
    stop: () => clearTimeout(timer),
  }
}
