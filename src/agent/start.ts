import type { Level, Logger, LoggerConfig } from '../types'
import { resolveConfig } from './config'
import { redactText } from '../entry/redact'
import { createStoreFor } from '../storage/store'
import { newInstanceRecord } from '../storage/schema'
import { createOutbox } from '../outbox/outbox'
import { createRetry } from '../delivery/retry'
import { createSender } from '../delivery/sender'
import { createClient } from '../delivery/client'
import { recoverOrphans } from './recover'
import { watchPage } from '../page/lifecycle'
import { captureConsole, captureErrors } from '../page/capture'
import { createEntries, type Entries } from '../entry/build'
import { pageInfo } from '../page/info'
import { holdLiveness, type Liveness } from './park'
import { safe, warnOnce } from '../lib/console'
import { HornLoggerError } from '../errors'
import { createConsent } from './consent'
import { inSample } from './sample'
import { captureNetwork } from '../page/network'
import { captureReports } from '../page/reports'
import { createSettle, noStats } from './settle'
import { createPace } from './pace'
import { createView, levelMethods } from './view'

/** The logger plus what the script-tag entry needs to replay calls queued before it loaded. */
export interface Agent {
  logger: Logger
  /** The entry builder's `log`: its `at` logs a call as made at that time. */
  log: Entries['log']
}

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
    return idleAgent()
  }
}

/** Why the logger will never have an app session: the error `ready` rejects with. */
const refusal = (code: 'unsampled' | 'denied') => new HornLoggerError(code, undefined, code)

/**
 * A logger that does nothing, safely: a tab outside the sample, a page denied
 * from the start, or (no `why`) an agent that could not start. `ready`
 * rejects with the refusal (never settles for the last).
 */
function idleAgent(why?: 'unsampled' | 'denied'): Agent {
  const nothing = () => {}
  const none = Promise.resolve()
  const ready: Promise<string> = why ? Promise.reject(refusal(why)) : new Promise(nothing)
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
    sampled: why != 'unsampled',
  }
  return { logger, log: nothing }
}

function startAgent(userConfig: LoggerConfig): Agent {
  const config = resolveConfig(userConfig)
  // Decided before anything else: outside the sample, or denied, not one request, not one stored byte.
  if (!inSample(config.clientId, config.sampleRate)) return idleAgent('unsampled')
  if (config.consent == 'denied') return idleAgent('denied')
  const denied = refusal('denied')
  const abort = new AbortController()
  const signal = abort.signal
  const settle = createSettle()
  // Pending: lines wait in memory (the outbox), and nothing else starts: no lock, no storage, no request, no recovery.
  const consent = createConsent(config.consent, denied, () => deny())
  const retry = createRetry({ signal, onRetry: settle.retried })
  const client = createClient({ retry, config, signal, gate: consent.granted })
  // idb-keyval opens the database on first use: after the grant.
  const store = createStoreFor(config.storage)
  const id = newId()
  // Held for this instance's life from the grant on (given up while parked in the back/forward cache):
  // while it is, no other tab adopts its entries.
  let lock: Liveness | undefined
  const live = consent.granted.then(
    () =>
      (lock = holdLiveness(id, store, () => {
        warnOnce('adopted by another tab; logging is off')
        end()
      })).acquired,
  )
  /** The first line of each app session (when `logPageInfo`), made by `make`: the page info. */
  const firstLine = <R>(make: (level: Level, message: string, context: object) => R) =>
    config.logPageInfo ? make('info', 'page info', pageInfo(config.release, config.environment)) : undefined
  const notice = (time: number, count: number) =>
    config.format({ time, level: 'warn', message: `horn-logger dropped ${count} entries here: maxStoredBytes (${config.maxStoredBytes}) reached`, seq: -1 })
  const outbox = createOutbox({
    // Magic links and OAuth redirects put secrets in the query and fragment (and old links in the userinfo).
    record: newInstanceRecord(id, config.clientId, typeof location == 'object' ? redactText(location.href, config.redact) : '', config.channel),
    store,
    limits: config,
    events: {
      // The counters behind stats() are the outbox's count events.
      ...settle,
      notice,
      firstLine: safe(() => firstLine(entries.line)),
    },
    writeGate: live,
  })
  const sender = createSender({ outbox, client, config, signal })
  // Registration starts now. A refusal rejects `ready`; handled here, so nobody listening is no unhandled rejection.
  const ready = sender.appSession()
  ready.catch(() => {})
  const pace = createPace(outbox, sender, consent)
  const granted = () => consent.decision == 'granted'

  const entries = createEntries(config, (time, line) => {
    outbox.push(time, line)
    pace.soon()
  })
  entries.setContext(config.context ?? {})
  // The first line of the app session; it goes through `beforeSend` like any other.
  safe(() => firstLine(entries.add))()

  const stops: Array<() => void> = [
    // At exit the sender stores everything at once; a persist tick still due then finds nothing left.
    watchPage({
      onExit: safe(() => granted() && (entries.reportRepeats(), sender.exit())),
      onResume: safe(sender.kick),
      onPark: safe(() => lock?.park()),
      onUnpark: safe(() => lock?.unpark()),
    }),
    sender.stop,
    pace.stop,
  ]
  if (config.captureErrors) stops.push(captureErrors(entries.log, config.ignoreErrors))
  if (config.captureConsole) stops.push(captureConsole(entries.log))
  if (config.captureNetwork) stops.push(captureNetwork(entries.log, config.captureNetwork))
  if (config.captureReports) stops.push(captureReports(entries.log))

  void sender.kick()
  // Granted from the start, or later: what waited in memory goes the usual way (stored, registered, sent).
  if (!granted()) void consent.granted.then(pace.tick, () => {})
  // A denial rejects `live`: handled here and nowhere an app would see it (the outbox's writes wait on it too).
  void live.then(
    () =>
      recoverOrphans({ store, config, client, signal, ownId: id, notice }).catch((error) => {
        if (!signal.aborted) warnOnce('recovery failed: ' + String(error))
      }),
    () => {},
  )

  let closed = false
  /** Stops everything at once: no new entry, listener, timer or request (in flight ones are aborted). */
  const end = (reason?: unknown) => {
    closed = true
    entries.stop()
    stops.forEach((stop) => safe(stop)())
    abort.abort(reason)
  }
  /** `close()`: delivery has its chance (`flushed`), then the end. */
  const close = async (flushed: () => Promise<unknown>) => {
    if (closed) return
    await flushed()
    end()
    // What is left stays stored; with the lock gone, the next load delivers it.
    lock?.stop()
  }
  /** Consent denied (or revoked): what was kept goes, in memory and in storage; the lock goes once the deletion is written. */
  function deny() {
    end(denied)
    settle.discard(entries.logged)
    void outbox.clear().then(() => lock?.stop(), () => {})
  }

  const logger = createView(entries, settle, pace, sender, client, outbox, consent, ready, close)
  return { logger, log: entries.log }
}
