/**
 * When a condition becomes a warning, and when the warning is over: one rule
 * for all, so none flaps. A warning starts when 3 of the last 5 samples show
 * its condition (at most two samples after the first one that does) and ends
 * when 5 in a row do not. Keeps how long each warning lasted, for the
 * summary. Pure: the caller hands in each sample's conditions and time.
 */
import type { Found, WarningCode } from './detect'

/** Samples in the window, and how many of them start a warning. */
const WINDOW = 5
const TO_START = 3
const FULL = (1 << WINDOW) - 1

const bits = (mask: number) => {
  let n = 0
  for (let m = mask; m; m &= m - 1) n++
  return n
}

interface State {
  /** The last samples, newest in bit 0. */
  mask: number
  /** When the open warning started (ms), or -1. */
  since: number
  /** Milliseconds of the warning's earlier, closed spells. */
  total: number
}

export interface Change {
  code: WarningCode
  /** The value behind the condition, on a start. */
  value?: number | string
  /** How long the warning lasted, on an end (ms). */
  ms?: number
}

export interface Warnings {
  /** Adds one sample's conditions; returns the warnings that started and ended with it. */
  update(found: Found, time: number): { started: Change[]; ended: Change[] }
  /** Milliseconds each warning was on, open ones counted up to `time`. */
  totals(time: number): Partial<Record<WarningCode, number>>
  /** The warnings open now. */
  open(): WarningCode[]
}

export function createWarnings(): Warnings {
  const states = new Map<WarningCode, State>()
  return {
    update(found, time) {
      const started: Change[] = []
      const ended: Change[] = []
      for (const code of Object.keys(found) as WarningCode[]) if (!states.has(code)) states.set(code, { mask: 0, since: -1, total: 0 })
      for (const [code, state] of states) {
        state.mask = ((state.mask << 1) | (code in found ? 1 : 0)) & FULL
        if (state.since < 0 && bits(state.mask) >= TO_START) {
          state.since = time
          started.push({ code, value: found[code] })
        } else if (state.since >= 0 && state.mask === 0) {
          const ms = time - state.since
          state.total += ms
          state.since = -1
          ended.push({ code, ms })
        }
      }
      return { started, ended }
    },
    totals(time) {
      const out: Partial<Record<WarningCode, number>> = {}
      for (const [code, state] of states) {
        const ms = state.total + (state.since >= 0 ? time - state.since : 0)
        if (ms > 0 || state.since >= 0) out[code] = ms
      }
      return out
    },
    open: () => [...states].filter(([, s]) => s.since >= 0).map(([code]) => code),
  }
}
