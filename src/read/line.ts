/**
 * One log line read back into its parts. The agent writes either the text
 * format (`<ISO time> <LEVEL> message {context}`) or JSON lines
 * (`{"time":…,"level":…,"message":…,"context":…}`); a custom format is kept
 * as a message without a level.
 */

export type LineLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR'

export interface ParsedLine {
  /** ms since the epoch, when the line names its time. */
  time?: number
  level?: LineLevel
  message: string
  /** The context object, when the line carries one that parses. */
  context?: Record<string, unknown>
  /** The line as written. */
  raw: string
}

/** Lowest to highest: `--level warn` keeps WARN and ERROR. */
export const LEVELS: readonly LineLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR']

/** `2026-11-27T10:00:00.000Z INFO `: the text format's head (a padded level, `WARN `, is tolerated). */
const TEXT_HEAD = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (DEBUG|INFO|WARN|ERROR) +/

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value == 'object' && value !== null && !Array.isArray(value)

/** The level as the format spells it, upper-cased; undefined for anything else. */
export function toLevel(value: unknown): LineLevel | undefined {
  const upper = typeof value == 'string' ? value.trim().toUpperCase() : ''
  return (LEVELS as readonly string[]).includes(upper) ? (upper as LineLevel) : undefined
}

/**
 * The message and the context of the text format's tail. The context is the
 * last ` {…}` that parses as a JSON object and ends the line; the message may
 * hold braces of its own, so every ` {` is tried from the left.
 */
function splitContext(tail: string): { message: string; context?: Record<string, unknown> } {
  if (!tail.endsWith('}')) return { message: tail }
  for (let at = tail.indexOf(' {'); at >= 0; at = tail.indexOf(' {', at + 1)) {
    try {
      const context = JSON.parse(tail.slice(at + 1)) as unknown
      if (isObject(context)) return { message: tail.slice(0, at), context }
    } catch {
      // not the context's start: try the next brace
    }
  }
  if (tail.startsWith('{')) {
    try {
      const context = JSON.parse(tail) as unknown
      if (isObject(context)) return { message: '', context }
    } catch {
      // a message that happens to be braces
    }
  }
  return { message: tail }
}

/** Reads one line (without its `\n`). Never throws. */
export function parseLine(raw: string): ParsedLine {
  const head = TEXT_HEAD.exec(raw)
  if (head) {
    const time = Date.parse(head[1])
    return { time: Number.isFinite(time) ? time : undefined, level: head[2] as LineLevel, ...splitContext(raw.slice(head[0].length)), raw }
  }
  if (raw.startsWith('{')) {
    try {
      const json = JSON.parse(raw) as unknown
      if (isObject(json)) {
        const time = typeof json.time == 'number' ? json.time : typeof json.time == 'string' ? Date.parse(json.time) : NaN
        return {
          time: Number.isFinite(time) ? time : undefined,
          level: toLevel(json.level),
          message: typeof json.message == 'string' ? json.message : '',
          context: isObject(json.context) ? json.context : undefined,
          raw,
        }
      }
    } catch {
      // not JSON after all
    }
  }
  return { message: raw, raw }
}

/** The lines of a log text, without the empty string after the last `\n`. */
export function splitLines(text: string): string[] {
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** The line's level without parsing its context: the text head, or a JSON line's `"level"`. */
export function levelOf(raw: string): LineLevel | undefined {
  const head = TEXT_HEAD.exec(raw)
  if (head) return head[2] as LineLevel
  return raw.startsWith('{') ? toLevel(/"level":"(\w+)"/.exec(raw)?.[1]) : undefined
}

/** Whether a line passes `--level` (lines without a level pass only when no level is asked for) and `--grep` (any case). */
export function lineFilter(options: { level?: LineLevel | undefined; grep?: string | undefined }): (raw: string) => boolean {
  const min = options.level ? LEVELS.indexOf(options.level) : -1
  const needle = options.grep?.toLowerCase() ?? ''
  return (raw) => {
    if (min >= 0) {
      const level = levelOf(raw)
      if (!level || LEVELS.indexOf(level) < min) return false
    }
    return !needle || raw.toLowerCase().includes(needle)
  }
}
