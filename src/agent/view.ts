import type { FlushOptions, Level, LinkUserOptions, Logger } from '../types'
import type { Entries, Context } from '../entry/build'
import type { Sender } from '../delivery/sender'
import type { Client } from '../delivery/client'
import type { Outbox } from '../outbox/outbox'
import type { Settle } from './settle'
import type { Pace } from './pace'
import type { ConsentState } from './consent'
import { appSessionIdOf } from '../delivery/app-session'
import { LEVELS } from '../lib/levels'
import { safe, warnOnce } from '../lib/console'
import { noStats } from './settle'

/** `flush()` without a timeout gives up after this. */
const DEFAULT_FLUSH_TIMEOUT_MS = 10_000
/** `close()` waits this long for delivery; what is left stays stored for the next load. */
const CLOSE_FLUSH_TIMEOUT_MS = 5_000

/** `debug`, `info`, `warn` and `error`, each made by `method(level)`. */
export const levelMethods = (method: (level: Level) => (message: unknown, context?: object) => void) =>
  Object.fromEntries(LEVELS.map((level) => [level, method(level)])) as Pick<Logger, Level>

/**
 * The public logger over one running agent: its methods call down into the
 * pieces `startAgent` wired (`ready`: the app session's registration, started
 * there; `close`: the agent's end, which runs `flushed` first unless it ended already).
 */
export function createView(
  entries: Entries,
  settle: Settle,
  pace: Pick<Pace, 'tick'>,
  sender: Pick<Sender, 'appSession' | 'sendNow'>,
  client: Pick<Client, 'linkUser'>,
  outbox: Pick<Outbox, 'record'>,
  consent: Pick<ConsentState, 'set'>,
  ready: Promise<string>,
  close: (flushed: () => Promise<unknown>) => Promise<void>,
): Logger {
  const flush = async (options?: FlushOptions): Promise<boolean> => {
    entries.reportRepeats()
    const target = entries.logged
    if (!settle.pending(target)) return true
    const hurry = sender.sendNow()
    try {
      pace.tick()
      return await settle.wait(target, options?.timeout ?? DEFAULT_FLUSH_TIMEOUT_MS)
    } finally {
      hurry() // done: back to the flush interval
    }
  }

  const closeAll = () => close(() => flush({ timeout: CLOSE_FLUSH_TIMEOUT_MS }).catch(() => false))
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
    stats: safe(() => settle.stats(entries.logged), noStats()),
    close: base ? () => none : closeAll,
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
  return view()
}
