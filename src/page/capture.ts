import type { Level } from '../types'
import { listen, stopAll } from '../lib/listen'
import { isError } from '../lib/is-error'
import { patch } from '../lib/patch'

type Log = (level: Level, message: unknown, context?: unknown) => void

/**
 * Uncaught errors and unhandled rejections become `error` entries, unless
 * `ignore` matches them (see `ignoreErrors`). Returns `stop`.
 */
export function captureErrors(log: Log, ignore: ReadonlyArray<string | RegExp> = []): () => void {
  /** Whether `value` (thrown or rejected) is noise: `Name: message`, stack and source URL, tested against each matcher. */
  const ignored = (value: unknown, source = '') => {
    try {
      const text = (isError(value) ? `${value.name}: ${value.message}\n${value.stack || ''}` : String(value)) + (source && '\n' + source)
      // `search`, not `test`: it starts at 0 whatever a g or y flag left in lastIndex.
      return ignore.some((m) => (typeof m == 'string' ? text.includes(m) : text.search(m) >= 0))
    } catch {}
  }
  return stopAll([
    listen(window, 'error', (event: ErrorEvent) => {
      const error = event.error ?? event.message
      if (ignored(error, event.filename)) return
      const context = event.filename ? { source: `${event.filename}:${event.lineno}:${event.colno}` } : undefined
      log('error', error, context)
    }),
    listen(window, 'unhandledrejection', (event: PromiseRejectionEvent) => {
      const reason = event.reason
      if (ignored(reason)) return
      if (isError(reason)) log('error', reason, { unhandledRejection: true })
      else log('error', 'Unhandled promise rejection', { reason })
    }),
  ])
}

/**
 * `console.debug/log/info/warn/error` also become entries, and still print.
 * A call made while one is being handled (the logger's own notices) is not
 * captured again. Returns `stop`, which restores a method only if nobody
 * patched it after us.
 */
export function captureConsole(log: Log): () => void {
  let inside = false
  return stopAll(
    ['debug', 'log', 'info', 'warn', 'error'].map((method) => {
      // Each method logs at its own level; `log` at `info`.
      const level = (method == 'log' ? 'info' : method) as Level
      return patch(console, method, (original: (...args: unknown[]) => void) =>
        function (this: unknown, ...args: unknown[]) {
          if (!inside) {
            inside = true
            try {
              log(level, args[0], args.length > 1 ? { args: args.slice(1) } : undefined)
            } catch {
            } finally {
              inside = false
            }
          }
          return original.apply(this, args)
        },
      )
    }),
  )
}
