/** Sizing and cutting lines: shared by the entry builder (per-line cap) and the outbox (exact batch bytes). */

/**
 * Cuts `line` to at most `max` UTF-16 units, marking the cut, and never
 * splitting a surrogate pair.
 */
export function truncate(line: string, max: number): string {
  if (line.length <= max) return line
  const marker = ` …[truncated ${line.length} chars]`
  let end = Math.max(0, max - marker.length)
  // A high surrogate (0xd800–0xdbff) last would be half a pair.
  if ((line.charCodeAt(end - 1) & 0xfc00) == 0xd800) end--
  return line.slice(0, end) + marker
}

/** Cuts a line (ending in `\n`) to `max` units, keeping the newline. */
export function truncateLine(line: string, max: number): string {
  return line.length <= max ? line : truncate(line.slice(0, -1), max - 1) + '\n'
}

const NON_ASCII = /[^\x00-\x7f]/
const utf8 = new TextEncoder()

/**
 * Bytes that `text` (or its part from `from` to `to`) takes inside a JSON
 * string, as UTF-8: what it adds to a request body, so batch cuts are exact.
 * Printable ASCII and newlines (most lines) are counted in place, with no
 * escaped copy (a burst would make one per line, all garbage). Anything else
 * is escaped natively (well-formed: lone surrogates come out as `\uXXXX`) and
 * encoded only when the output is not ASCII.
 */
export function jsonStringBytes(text: string, from = 0, to = text.length): number {
  let bytes = to - from
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i)
    if (c == 34 || c == 92 || c == 10) bytes++
    else if (c < 32 || c > 126) {
      const escaped = JSON.stringify(text.slice(from, to))
      return (NON_ASCII.test(escaped) ? utf8.encode(escaped).length : escaped.length) - 2
    }
  }
  return bytes
}
