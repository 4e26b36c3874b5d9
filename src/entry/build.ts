/**
 * Entry building: from a log call to the line pushed to the outbox. Level
 * filter, global + child context merge, `beforeSend`, sanitize, format.
 * Every logger view (the logger and its children) builds through one of these.
 */
import type { Level, LogEntry } from '../types'
import type { ResolvedConfig } from '../agent/config'
import { LEVELS } from '../lib/levels'
import { cleanString, sanitize, toText } from './serialize'
import { isError } from '../lib/is-error'
import { truncateLine } from '../lib/text'
import { warnOnce } from '../lib/console'
import { createRepeats } from './repeats'

/** Context as entries carry it: a plain object, redacted and JSON-safe. Replaced, never mutated: views and entries share it. */
export type Context = Record<string, unknown>

export interface Entries {
  /** Entries built so far: `stats().logged`, and the next entry's `seq`. */
  readonly logged: number
  /** Index in `LEVELS` of the lowest level kept. */
  level: number
  /**
   * Builds one entry (if its level is kept) and pushes its line. `base` is a
   * child's context, made by `clean`; `at` the call's time when it was queued.
   * Never throws.
   */
  log(level: Level, message: unknown, context?: unknown, base?: Context, at?: number): void
  /** `log` without the level filter: for the page's first line. */
  add(level: Level, message: unknown, context?: unknown, base?: Context, at?: number): void
  /** The line `add` would push (`beforeSend` may say none), neither pushed nor counted: an app session's first line, again. */
  line(level: Level, message: unknown, context?: unknown): string | undefined
  /** Any value as a context: redacted, JSON-safe, a plain object (or `undefined` when empty). */
  clean(value: unknown): Context | undefined
  setContext(value: unknown): void
  setContextProperty(key: string, value: unknown): void
  removeContextProperty(key: string): void
  getContext(): Context
  /** Logs what the repeat limit suppressed so far (flush, close, page exit); its window starts anew. */
  reportRepeats(): void
  /** Builds nothing more (the logger was closed). */
  stop(): void
}

/** Non-empty, or undefined: entries without context skip the merge. */
const nonEmpty = (context: Context) => {
  for (const _ in context) return context
}

/** The entry builder of one logger; `push` takes each line (ending in `\n`) with its time. */
/** What the entry builder reads of the config. */
export type EntryConfig = Pick<ResolvedConfig, 'level' | 'redact' | 'maxEntryBytes' | 'beforeSend' | 'format' | 'repeatLimit'>

export function createEntries(config: EntryConfig, push: (time: number, line: string) => void): Entries {
  const { redact, maxEntryBytes: max, beforeSend } = config
  let global: Context | undefined
  let logged = 0
  let stopped = false
  // A log call made by the hook itself skips the hook: no recursion (it may log through a captured console).
  let inHook = false

  const asContext = (clean: unknown): Context | undefined =>
    clean && typeof clean == 'object' && !Array.isArray(clean) ? nonEmpty(clean as Context) : clean === undefined ? clean : { context: clean }
  const clean = (value: unknown) => asContext(sanitize(value, redact, max))
  const repeats = config.repeatLimit
    ? createRepeats(config.repeatLimit, (level, key, count) => add(level, `horn-logger suppressed ${count} repeats of: ${key}`))
    : undefined

  /** What `beforeSend` made of the entry; the entry as it was when the hook threw or returned something else. */
  function hook(entry: LogEntry): LogEntry | false {
    inHook = true
    try {
      const out = beforeSend!(entry)
      if (out === false) return out
      if (out && typeof out.message == 'string') return { ...entry, message: toText(out.message, redact, max), context: clean(out.context) }
    } catch {
    } finally {
      inHook = false
    }
    warnOnce('config.beforeSend threw or returned no entry (nor false); entry sent unchanged')
    return entry
  }

  /** `to`: where the line goes instead of `push`, not counted. */
  function add(level: Level, message: unknown, context?: unknown, base?: Context, at?: number, to?: typeof push): void {
    try {
      if (stopped) return
      const time = Number.isFinite(at) ? at! : Date.now()
      let extra: Context | undefined
      let text: string
      // The repeat limit's key: the message; an error's also names its top stack frame.
      let key: string | undefined
      // A string (most calls) goes straight to the string cleaner: no Error test, no type dispatch.
      if (typeof message == 'string') text = cleanString(message, redact, max)
      else if (isError(message)) {
        const error = sanitize(message, redact, max) as { name?: unknown; message?: unknown }
        text = typeof error == 'object' ? `${error.name}: ${error.message}` : String(error)
        const frame = /^.*:\d+:\d+/m.exec((error as Error).stack!)
        if (frame) key = `${text} (${frame[0].trim()})`
        extra = { error }
      } else text = toText(message, redact, max)
      // Before the context is cleaned: a suppressed entry costs one Map lookup.
      if (repeats && !repeats.keep(level, key || text, time)) return
      if (context !== undefined) {
        const own = clean(context)
        extra = own && extra ? { ...own, ...extra } : own || extra
      }
      // Global < child < the call's own keys.
      let merged = global || base ? { ...global, ...base, ...extra } : extra
      if (beforeSend && !inHook) {
        const kept = hook({ time, level, message: text, context: merged })
        if (!kept) return
        text = kept.message
        merged = kept.context
      }
      ;(to || push)(time, truncateLine(config.format({ time, level, message: text, context: merged, seq: to ? -1 : logged++ }), max))
    } catch (error) {
      warnOnce('internal error: ' + String(error))
    }
  }

  const self: Entries = {
    get logged() {
      return logged
    },
    level: config.level,
    log(level, message, context, base, at) {
      if (LEVELS.indexOf(level) >= self.level) add(level, message, context, base, at)
    },
    add,
    line(level, message, context) {
      let line: string | undefined
      add(level, message, context, undefined, undefined, (_, built) => (line = built))
      return line
    },
    clean,
    setContext(value) {
      if (value && typeof value == 'object') global = clean(value)
      else warnOnce('context must be an object')
    },
    setContextProperty(key, value) {
      global = { ...global, ...clean({ [key]: value }) }
    },
    removeContextProperty(key) {
      if (!global) return
      const { [key]: _, ...rest } = global
      global = nonEmpty(rest)
    },
    // A deep copy: nothing done to it reaches later entries. It is JSON already.
    getContext: () => JSON.parse(JSON.stringify(global || {})),
    reportRepeats: () => repeats?.end(),
    stop() {
      repeats?.end()
      stopped = true
    },
  }
  return self
}
