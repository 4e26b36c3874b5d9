import type { Formatter } from '../types'
import { warnOnce } from '../lib/console'

/** One entry is one line: a newline inside it would split it on the server. */
function oneLine(text: string): string {
  return text.indexOf('\n') < 0 && text.indexOf('\r') < 0 ? text : text.replace(/\r?\n|\r/g, '\\n')
}

let lastTime = NaN
let lastLevel = ''
let lastHead = ''
/**
 * `<ISO time> <LEVEL> ` of a line. Calls within one millisecond at one level
 * (most of a burst) reuse the string: fewer pieces to join per line.
 */
function head(time: number, level: string): string {
  if (time !== lastTime || level !== lastLevel) {
    lastTime = time
    lastLevel = level
    lastHead = new Date(isFinite(time) ? time : Date.now()).toISOString() + ' ' + level.toUpperCase() + ' '
  }
  return lastHead
}

/** `2026-11-27T10:00:00.000Z INFO joined {"room":"blue"}` */
export const formatText: Formatter = (entry) =>
  head(entry.time, entry.level) + oneLine(entry.message) + (entry.context ? ' ' + JSON.stringify(entry.context) : '') + '\n'

/** `{"time":…,"level":"info","seq":0,"message":"joined","context":{…}}` */
export const formatJson: Formatter = (entry) =>
  JSON.stringify({ time: entry.time, level: entry.level, seq: entry.seq, message: entry.message, context: entry.context }) + '\n'

/** The formatter for the `format` option; a custom one is guarded so it can neither throw nor break lines. */
export function createFormatter(format: unknown): Formatter {
  if (format === 'json') return formatJson
  if (typeof format != 'function') {
    if (format !== undefined && format !== 'text') warnOnce('config.format must be "text", "json" or a function; using "text"')
    return formatText
  }
  return (entry) => {
    try {
      const line = format(entry)
      if (typeof line == 'string') return oneLine(line.replace(/\n$/, '')) + '\n'
      warnOnce('config.format returned no string; using "text"')
    } catch (error) {
      warnOnce('config.format threw (' + String(error) + '); using "text"')
    }
    return formatText(entry)
  }
}
