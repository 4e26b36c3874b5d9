import type { Level } from '../types'

/** The repeat limit's window. */
const WINDOW_MS = 60_000
/** Slots for distinct entries (a power of two): memory stays fixed whatever the page logs. */
const SLOTS = 1024

export interface Repeats {
  /**
   * Whether an entry of this level and key (its message; an error's also
   * its top stack frame) may be logged; false when it is over the limit
   * in this window, and then counted.
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
 *
 * Most calls log a message not seen before, so the counts live in a fixed
 * table, not a Map: a new message costs a pass over its characters and no
 * allocation. Each entry may sit in one of two slots picked by one hash of
 * its level and key, and is told apart by a second hash; its key is kept
 * only once it is over the limit, for the report (keeping every message
 * made each call cost more than counting it). A new entry takes the slot
 * with the lower count, so one-off messages replace each other and not a
 * message that is repeating. An entry over the limit is never replaced (its
 * count must add up); a new entry whose two slots both hold such entries is
 * simply not limited.
 */
export function createRepeats(limit: number, report: (level: Level, key: string, suppressed: number) => void): Repeats {
  const checks = new Int32Array(SLOTS)
  const counts = new Uint32Array(SLOTS)
  const keys: (string | undefined)[] = Array(SLOTS)
  const levels: Level[] = Array(SLOTS)
  let until = 0
  let timer: ReturnType<typeof setTimeout> | undefined

  const holds = (slot: number, check: number) => counts[slot] > 0 && checks[slot] == check
  const end = () => {
    const over: [Level, string, number][] = []
    for (let slot = 0; slot < SLOTS; slot++) if (counts[slot] > limit) over.push([levels[slot], keys[slot]!, counts[slot] - limit])
    clearTimeout(timer)
    timer = undefined
    until = 0
    counts.fill(0)
    keys.fill(undefined)
    // Cleared first: these lines start the next window (each says a different count, so none is limited).
    for (const [level, key, suppressed] of over) report(level, key, suppressed)
  }

  return {
    keep(level, key, time) {
      if (time >= until) {
        end()
        until = time + WINDOW_MS
      }
      let hash = level.length
      let check = level.charCodeAt(0)
      for (let i = 0; i < key.length; i++) {
        const code = key.charCodeAt(i)
        hash = (hash * 31 + code) | 0
        check = Math.imul(check ^ code, 16777619)
      }
      // The pair's even slot, then its odd one.
      let slot = (hash ^ (hash >>> 12)) & (SLOTS - 2)
      if (!holds(slot, check) && !holds(++slot, check)) {
        if (counts[slot] > counts[slot - 1]) slot--
        if (counts[slot] > limit) return true
        checks[slot] = check
        counts[slot] = 0
      }
      if (++counts[slot] <= limit) return true
      keys[slot] ??= key
      levels[slot] = level
      timer ??= setTimeout(end, until - time)
      return false
    },
    end,
  }
}
