import type { FlushOptions, Level, LinkUserOptions, Logger, LoggerConfig, Stats } from '../types'
import { resolveConfig } from './config'
import { LEVELS } from '../lib/levels'
import { redactText } from '../entry/redact'
import { createStoreFor } from '../storage/store'
import { newInstanceRecord } from '../storage/schema'
import { createOutbox } from '../outbox/outbox'
import { createRetry } from '../delivery/retry'
import { createSender } from '../delivery/sender'
import { createClient } from '../delivery/client'
import { appSessionIdOf } from '../delivery/app-session'
import { recoverOrphans } from './recover'
import { watchPage } from '../page/lifecycle'
import { captureConsole, captureErrors } from '../page/capture'
import { createEntries, type Context } from '../entry/build'
import { pageInfo } from '../page/info'
import { sliceEnd } from '../lib/slice'
import { holdLock, lockName } from '../lib/locks'
import { safe, warnOnce } from '../lib/console'
import { HornLoggerError } from '../errors'
import { createConsent } from './consent'
import { inSample } from './sample'
import { captureNetwork } from '../page/network'
import { captureReports } from '../page/reports'

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
    return idleAgent(new Promise<string>(() => {}))
  }
}

/**
 * A logger that does nothing, safely: a tab outside the sample, a page denied
 * from the start, or an agent that could not start. `ready` says why (never
 * settles for the last).
 */
function idleAgent(ready: Promise<string>, sampled = true): Agent {
  const nothing = () => {}
  const none = Promise.resolve()
  // Handled here: nobody listening is no unhandled rejection.
  ready.catch(nothing)
  const logger: Logger = {
    ...levelMethods(() => nothing),
    linkUser: () => none,
    flush: () => Promise.resolve(false),
    ready,
    appSessionId: undefined,
    stats: noStats,
    close: () => none,
    setContext: nothing,
    setContextProperty: nothing,
    removeContextProperty: nothing,
    getContext: () => ({}),
    child: () => logger,
    setLevel: nothing,
    level: 'debug',
    setConsent: nothing,
    sampled,
  }
  return { logger, logAt: nothing }
}

function startAgent(userConfig: LoggerConfig): Agent {
  const config = resolveConfig(userConfig)
  // Decided before anything else: outside the sample, or denied, not one request, not one stored byte.
  if (!inSample(config.clientId, config.sampleRate)) return idleAgent(Promise.reject(new HornLoggerError('unsampled', undefined, 'unsampled')), false)
  const denied = new HornLoggerError('denied', undefined, 'denied')
  if (config.consent == 'denied') return idleAgent(Promise.reject(denied))
  const abort = new AbortController()
  const signal = abort.signal
  const counts = noStats()
  // Pending: lines wait in memory (the outbox), and nothing else starts: no lock, no storage, no request, no recovery.
  const consent = createConsent(config.consent, denied, () => deny())
  const retry = createRetry({ signal, onRetry: () => counts.retries++ })
  const client = createClient({ retry, config, signal, gate: consent.granted })
  // idb-keyval opens the database on first use: after the grant.
  const store = createStoreFor(config.storage)
  const id = newId()
  // Held for this instance's life from the grant on: while it is, no other tab adopts its entries.
  let lock: ReturnType<typeof holdLock> | undefined
  const live = consent.granted.then(() => (lock = holdLock(lockName(id))).acquired)
  const waiters: Array<{ target: number; done: () => void }> = []
  const settled = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (counts.acknowledged + counts.dropped >= waiters[i].target) waiters.splice(i, 1)[0].done()
    }
  }
  const notice = (time: number, count: number) =>
    config.format({ time, level: 'warn', message: `horn-logger dropped ${count} entries here: maxStoredBytes (${config.maxStoredBytes}) reached`, seq: -1 })
  const outbox = createOutbox({
    // Magic links and OAuth redirects put secrets in the query and fragment (and old links in the userinfo).
    record: newInstanceRecord(id, config.clientId, typeof location == 'object' ? redactText(location.href, config.redact) : '', config.channel),
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
      firstLine: safe(() => (config.logPageInfo ? entries.line('info', 'page info', pageInfo(config.release, config.environment)) : undefined)),
    },
    writeGate: live,
  })
  const sender = createSender({ outbox, client, config, signal })
  // Registration starts now. A refusal rejects `ready`; handled here, so nobody listening is no unhandled rejection.
  const ready = sender.appSession()
  ready.catch(() => {})

  let persistTimer: ReturnType<typeof setTimeout> | undefined
  const granted = () => consent.decision == 'granted'
  const tick = () => {
    // Until the grant nothing is written; the timer stays marked as set, so log calls do not arm another.
    if (!granted()) return
    clearTimeout(persistTimer)
    persistTimer = undefined
    void outbox.persist(sliceEnd())
    // More waiting: go on in the next task, leaving the page room in between.
    if (outbox.unpersisted) persistTimer = setTimeout(tick)
    void sender.kick()
  }

  const entries = createEntries(config, (time, line) => {
    outbox.push(time, line)
    persistTimer ??= setTimeout(tick, PERSIST_DELAY_MS)
  })
  entries.setContext(config.context ?? {})
  // The first line of the app session; it goes through `beforeSend` like any other.
  if (config.logPageInfo) safe(() => entries.add('info', 'page info', pageInfo(config.release, config.environment)))()

  const stops: Array<() => void> = [
    // At exit the sender stores everything at once; a persist tick still due then finds nothing left.
    watchPage({ onExit: safe(() => granted() && (entries.reportRepeats(), sender.exit())), onResume: safe(() => void sender.kick()) }),
    sender.stop,
    () => clearTimeout(persistTimer),
  ]
  if (config.captureErrors) stops.push(captureErrors(entries.log, config.ignoreErrors))
  if (config.captureConsole) stops.push(captureConsole(entries.log))
  if (config.captureNetwork) stops.push(captureNetwork(entries.log, config.captureNetwork))
  if (config.captureReports) stops.push(captureReports(entries.log))

  void sender.kick()
  // Granted from the start, or later: what waited in memory goes the usual way (stored, registered, sent).
  if (!granted()) void consent.granted.then(tick, () => {})
  void live.then(() =>
    recoverOrphans({ store, config, client, signal, ownId: id, notice }).catch((error) => {
      if (!signal.aborted) warnOnce('recovery failed: ' + String(error))
    }),
  )

  const flush = async (options?: FlushOptions): Promise<boolean> => {
    entries.reportRepeats()
    const target = entries.logged
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

  let closed = false
  /** Stops everything at once: no new entry, listener, timer or request (in flight ones are aborted). */
  const end = (reason?: unknown) => {
    closed = true
    entries.stop()
    stops.forEach((stop) => safe(stop)())
    abort.abort(reason)
  }
  const close = async () => {
    if (closed) return
    await flush({ timeout: CLOSE_FLUSH_TIMEOUT_MS }).catch(() => false)
    end()
    // What is left stays stored; with the lock gone, the next load delivers it.
    lock?.release()
  }
  /** Consent denied (or revoked): what was kept goes, in memory and in storage; the lock goes once the deletion is written. */
  function deny() {
    end(denied)
    // Discarded entries count as dropped: nothing is pending any more, and flushes waiting settle.
    counts.dropped = entries.logged - counts.acknowledged
    settled()
    void outbox.clear().then(() => lock?.release(), () => {})
  }
  const none = Promise.resolve()

  /** The logger, or one of its children (`base`: the child's context): thin views over one pipeline. */
  const view = (base?: Context): Logger => ({
    ...levelMethods((level) => (message, context) => entries.log(level, message, context, base)),
    async linkUser(options?: LinkUserOptions) {
      const appSessionId = await sender.appSession()
      await client.linkUser(appSessionId, options?.headers)
    },
    flush: (options) => flush(options).catch(() => false),
    ready,
    get appSessionId() {
      return appSessionIdOf(outbox)
    },
    stats: safe((): Stats => ({ ...counts, logged: entries.logged, pending: Math.max(0, entries.logged - counts.acknowledged - counts.dropped) }), noStats()),
    close: base ? () => none : close,
    setContext: safe(entries.setContext),
    setContextProperty: safe(entries.setContextProperty),
    removeContextProperty: safe(entries.removeContextProperty),
    getContext: safe(entries.getContext, {}),
    // `clean` never throws (it is the sanitizer), so neither does `child`, and a child is always a logger.
    child: (context) => view({ ...base, ...entries.clean(context) }),
    setLevel: safe((level: Level) => {
      const rank = LEVELS.indexOf(level)
      if (rank < 0) warnOnce('level must be debug, info, warn or error')
      else entries.level = rank
    }),
    get level() {
      return LEVELS[entries.level]
    },
    setConsent: safe(consent.set),
    sampled: true,
  })
  const logger = view()
  return { logger, logAt: (level, time, message, context) => entries.log(level, message, context, undefined, time) }
}
