import type { FlushOptions, Level, LinkUserOptions, Logger, LoggerConfig, Stats } from './types'
import { LEVELS, resolveConfig } from './config'
import { sanitize, toText, truncateLine } from './serialize'
import { createStoreFor } from './store'
import { createOutbox } from './outbox'
import { createRetry } from './retry'
import { createSender } from './sender'
import { createClient } from './session'
import { recoverOrphans } from './recovery'
import { watchPage } from './lifecycle'
import { captureConsole, captureErrors } from './capture'
import { sliceEnd } from './lib/slice'
import { holdLock, lockName } from './lib/locks'
import { safe, warnOnce } from './lib/console'

/** Entries wait this long in memory before one transaction writes them: "a fraction of a second". */
const PERSIST_DELAY_MS = 100
/** `flush()` without a timeout gives up after this. */
const DEFAULT_FLUSH_TIMEOUT_MS = 10_000
/** `close()` waits this long for delivery; what is left stays stored for the next load. */
const CLOSE_FLUSH_TIMEOUT_MS = 5_000

/** The logger plus what the script-tag entry needs to replay calls queued before it loaded. */
export interface Agent {
  logger: Logger
  /** Logs as if called at `time`. */
  logAt(level: Level, time: number, message: unknown, context?: unknown): void
}

/** What `stats()` says before anything happened, and when it cannot say more. */
const noStats = (): Stats => ({ logged: 0, persisted: 0, acknowledged: 0, dropped: 0, retries: 0, pending: 0 })

/** `debug`, `info`, `warn` and `error`, each made by `method(level)`. */
const levelMethods = (method: (level: Level) => (message: unknown, context?: object) => void) =>
  Object.fromEntries(LEVELS.map((level) => [level, method(level)])) as Pick<Logger, Level>

function newId(): string {
  return Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10)
}

/**
 * Creates a logger: registers its app session, captures what the config
 * asks for, and delivers every entry. Never throws, whatever it is given.
 */
export function createLogger(config: LoggerConfig): Logger {
  return createAgent(config).logger
}

export function createAgent(userConfig: LoggerConfig): Agent {
  try {
    return startAgent(userConfig)
  } catch (error) {
    warnOnce('could not start (' + String(error) + '); logging is off')
    const nothing = () => {}
    const none = Promise.resolve()
    return {
      logger: {
        ...levelMethods(() => nothing),
        linkUser: () => none,
        flush: () => Promise.resolve(false),
        ready: new Promise<string>(() => {}),
        appSessionId: undefined,
        stats: noStats,
        close: () => none,
      },
      logAt: nothing,
    }
  }
}

function startAgent(userConfig: LoggerConfig): Agent {
  const config = resolveConfig(userConfig)
  const abort = new AbortController()
  const signal = abort.signal
  const counts = noStats()
  const retry = createRetry({ signal, onRetry: () => counts.retries++ })
  const client = createClient({ retry, config, signal })
  const store = createStoreFor(config.storage)
  const id = newId()
  // Held for this instance's life: while it is, no other tab adopts its entries.
  const lock = holdLock(lockName(id))
  const waiters: Array<{ target: number; done: () => void }> = []
  const settled = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (counts.acknowledged + counts.dropped >= waiters[i].target) waiters.splice(i, 1)[0].done()
    }
  }
  const notice = (time: number, count: number) =>
    config.format({ time, level: 'warn', message: `horn-logger dropped ${count} entries here: maxStoredBytes (${config.maxStoredBytes}) reached`, seq: -1 })
  const outbox = createOutbox({
    record: {
      id,
      clientId: config.clientId,
      started: Date.now(),
      url: typeof location == 'object' ? location.href : '',
      channel: config.channel,
      nextIndex: 0,
      head: 0,
    },
    store,
    limits: config,
    events: {
      persisted: (n) => (counts.persisted += n),
      dropped: (n) => {
        counts.dropped += n
        settled()
      },
      acknowledged: (n) => {
        counts.acknowledged += n
        settled()
      },
      notice,
    },
    writeGate: lock.acquired,
  })
  const sender = createSender({ outbox, client, config, signal })
  // Registration starts now; a refused one leaves `ready` pending rather than rejecting into the app.
  const ready = new Promise<string>((resolve) => void sender.appSession().then(resolve, () => {}))

  let persistTimer: ReturnType<typeof setTimeout> | undefined
  const tick = () => {
    clearTimeout(persistTimer)
    persistTimer = undefined
    void outbox.persist(sliceEnd())
    // More waiting: go on in the next task, leaving the page room in between.
    if (outbox.unpersisted) persistTimer = setTimeout(tick)
    void sender.kick()
  }

  let closed = false
  /** The log call: format one line and append it. No I/O; `safe` is inlined here, it is the hot path. */
  function log(level: Level, message: unknown, context?: unknown, at?: number): void {
    try {
      if (closed || LEVELS.indexOf(level) < config.level) return
      const time = typeof at == 'number' && isFinite(at) ? at : Date.now()
      const max = config.maxEntryBytes
      let extra: Record<string, unknown> | undefined
      let text: string
      if (message instanceof Error) {
        const error = sanitize(message, config.redact, max) as { name?: unknown; message?: unknown }
        text = typeof error == 'object' ? `${error.name}: ${error.message}` : String(error)
        extra = { error }
      } else text = toText(message, config.redact, max)
      if (context !== undefined) {
        const clean = sanitize(context, config.redact, max)
        const plain = clean && typeof clean == 'object' && !Array.isArray(clean)
        extra = plain ? (extra ? { ...(clean as object), ...extra } : (clean as Record<string, unknown>)) : { context: clean, ...extra }
      }
      const line = config.format({ time, level, message: text, context: extra, seq: counts.logged++ })
      outbox.push(time, truncateLine(line, max))
      persistTimer ??= setTimeout(tick, PERSIST_DELAY_MS)
    } catch (error) {
      warnOnce('internal error: ' + String(error))
    }
  }

  const stops: Array<() => void> = [
    // At exit the sender stores everything at once; a persist tick still due then finds nothing left.
    watchPage({ onExit: safe(sender.exit), onResume: safe(() => void sender.kick()) }),
    sender.stop,
    () => clearTimeout(persistTimer),
  ]
  if (config.captureErrors) stops.push(captureErrors(log))
  if (config.captureConsole) stops.push(captureConsole(log))

  void sender.kick()
  void lock.acquired.then(() =>
    recoverOrphans({ store, config, client, signal, ownId: id, notice }).catch((error) => {
      if (!signal.aborted) warnOnce('recovery failed: ' + String(error))
    }),
  )

  const flush = async (options?: FlushOptions): Promise<boolean> => {
    const target = counts.logged
    if (counts.acknowledged + counts.dropped >= target) return true
    const timeout = options?.timeout ?? DEFAULT_FLUSH_TIMEOUT_MS
    const hurry = sender.sendNow()
    try {
      tick()
      return await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeout)
        waiters.push({
          target,
          done: () => {
            clearTimeout(timer)
            resolve(true)
          },
        })
      })
    } finally {
      hurry() // done: back to the flush interval
    }
  }

  const logger: Logger = {
    ...levelMethods((level) => (message, context) => log(level, message, context)),
    async linkUser(options?: LinkUserOptions) {
      const appSessionId = await sender.appSession()
      await client.linkUser(appSessionId, options?.headers)
    },
    flush: (options) => flush(options).catch(() => false),
    ready,
    get appSessionId() {
      return outbox.record.appSessionId
    },
    stats: safe((): Stats => ({ ...counts, pending: Math.max(0, counts.logged - counts.acknowledged - counts.dropped) }), noStats()),
    async close() {
      if (closed) return
      await flush({ timeout: CLOSE_FLUSH_TIMEOUT_MS }).catch(() => false)
      closed = true
      stops.forEach((stop) => safe(stop)())
      abort.abort()
      // What is left stays stored; with the lock gone, the next load delivers it.
      lock.release()
    },
  }
  return { logger, logAt: (level, time, message, context) => log(level, message, context, time) }
}
