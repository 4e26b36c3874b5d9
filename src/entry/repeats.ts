import type { Level } from '../types'

/** The repeat limit's window. */
const WINDOW_MS = 60_000
/** Distinct entries tracked in one window; past this the window ends early, so memory stays bounded. */
const MAX_KEYS = 1000

export interface Repeats {
  /**
   * Whether an entry of this level and key (its message; an error's also
   * its top stack frame) may be logged; false when it is over the limit
   * in this window, and then counted. One Map lookup and one store.
   */
  keep(level: Level, key: string, time: number): boolean
  /** Reports what was suppressed so far (one `report` call per repeated entry) and starts a new window. */
  end(): void
}

/**
 * The repeat limit: at most `limit` identical entries a minute. The window is
 * one for all entries, from the first entry after the previous one ended;
 * its suppressed counts are reported when it ends (a timer, started by the
 * first suppression), and at flush, close and page exit (the logger calls
 * `end`). `report` may log.
 */
export function createRepeats(limit: number, report: (level: Level, key: string, suppressed: number) => void): Repeats {
  // Per level, counts of each message in the window: no string is built per call.
  let seen: Partial<Record<Level, Map<string, number>>> = {}
  let keys = 0
  let until = 0
  let timer: ReturnType<typeof setTimeout> | undefined

  const end = () => {
    clearTimeout(timer)
    timer = undefined
    const ended = seen
    seen = {}
    keys = until = 0
    // Its lines start the next window (each says a different count, so none is limited).
    for (const level in ended)
      ended[level as Level]!.forEach((count, key) => {
        if (count > limit) report(level as Level, key, count - limit)
      })
  }

  return {
    keep(level, key, time) {
      if (time >= until || keys >= MAX_KEYS) {
        end()
        until = time + WINDOW_MS
      }
      const counts = (seen[level] ??= new Map())
      const count = (counts.get(key) || 0) + 1
      if (count == 1) keys++
      counts.set(key, count)
      if (count <= limit) return true
      timer ??= setTimeout(end, until - time)
      return false
    },
    end,
  }
}
