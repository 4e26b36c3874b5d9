/** Deepest nesting kept; deeper values become a short description. */
const MAX_DEPTH = 8
/** Most keys or items kept per object or array, so one call cannot build a huge entry. */
const MAX_ITEMS = 200

const REDACTED = '[redacted]'

/**
 * Turns any value into plain JSON-compatible data without throwing:
 * circular references, `BigInt`, symbols, functions, throwing getters,
 * DOM nodes, errors and huge strings all come out as something readable.
 * Values under a key in `redact` (lower-case) become `"[redacted]"`.
 */
export function sanitize(value: unknown, redact: Set<string>, maxString: number, depth = 0, ancestors: object[] = []): unknown {
  switch (typeof value) {
    case 'string':
      return value.length > maxString ? value.slice(0, maxString) + '…' : value
    case 'number':
      return isFinite(value) ? value : String(value)
    case 'boolean':
      return value
    case 'bigint':
      return value.toString()
    case 'symbol':
      return value.toString()
    case 'function':
      return `[Function ${value.name || 'anonymous'}]`
    case 'undefined':
      return undefined
  }
  if (value === null) return null
  const object = value as Record<string, unknown>
  if (ancestors.includes(object)) return '[Circular]'
  try {
    if (object instanceof Error) return describeError(object, redact, maxString, depth, ancestors)
    if (object instanceof Date) return isNaN(+object) ? 'Invalid Date' : object.toISOString()
    if (typeof object.nodeType == 'number' && typeof object.nodeName == 'string') return describeNode(object)
    if (depth >= MAX_DEPTH) return Array.isArray(object) ? '[Array]' : '[Object]'
    ancestors.push(object)
    try {
      if (Array.isArray(object) || object instanceof Set) {
        const out: unknown[] = []
        for (const item of object) {
          if (out.length >= MAX_ITEMS) {
            out.push('…')
            break
          }
          const clean = sanitize(item, redact, maxString, depth + 1, ancestors)
          out.push(clean === undefined ? null : clean)
        }
        return out
      }
      if (object instanceof Map) return sanitize(Object.fromEntries(object), redact, maxString, depth, ancestors)
      if (ArrayBuffer.isView(object)) return `[${object.constructor.name}(${object.byteLength} bytes)]`
      if (typeof object.toJSON == 'function') return sanitize(object.toJSON(), redact, maxString, depth + 1, ancestors)
      const out: Record<string, unknown> = {}
      let count = 0
      for (const key in object) {
        if (!Object.prototype.hasOwnProperty.call(object, key)) continue
        if (++count > MAX_ITEMS) {
          out['…'] = 'more keys'
          break
        }
        if (redact.has(key.toLowerCase())) {
          out[key] = REDACTED
          continue
        }
        let item: unknown
        try {
          item = object[key]
        } catch (error) {
          item = `[Throws: ${describeThrown(error)}]`
        }
        const clean = sanitize(item, redact, maxString, depth + 1, ancestors)
        if (clean !== undefined) out[key] = clean
      }
      return out
    } finally {
      ancestors.pop()
    }
  } catch (error) {
    // Proxies and exotic host objects can throw from the checks themselves.
    return `[Unserializable: ${describeThrown(error)}]`
  }
}

function describeError(error: Error, redact: Set<string>, maxString: number, depth: number, ancestors: object[]) {
  const out: Record<string, unknown> = {
    name: sanitize(error.name, redact, maxString),
    message: sanitize(error.message, redact, maxString),
  }
  if (error.stack) out.stack = sanitize(error.stack, redact, maxString)
  if ('cause' in error && error.cause !== undefined && depth < MAX_DEPTH) {
    ancestors.push(error)
    out.cause = sanitize(error.cause, redact, maxString, depth + 1, ancestors)
    ancestors.pop()
  }
  return out
}

function describeNode(node: Record<string, unknown>): string {
  const element = node as unknown as Element
  let text = '<' + String(node.nodeName).toLowerCase()
  if (typeof element.id == 'string' && element.id) text += '#' + element.id
  if (typeof element.className == 'string' && element.className) text += '.' + element.className.trim().split(/\s+/).join('.')
  return text + '>'
}

/** `value instanceof Error`, false when asking throws (a proxy's getPrototypeOf trap). */
export function isError(value: unknown): value is Error {
  try {
    return value instanceof Error
  } catch {
    return false
  }
}

function describeThrown(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error)
  } catch {
    return 'unknown'
  }
}

/** A string for any value, never throwing: strings as they are, the rest as JSON. */
export function toText(value: unknown, redact: Set<string>, maxString: number): string {
  if (typeof value == 'string') return value.length > maxString ? value.slice(0, maxString) + '…' : value
  const clean = sanitize(value, redact, maxString)
  return typeof clean == 'string' ? clean : String(JSON.stringify(clean))
}

/**
 * Cuts `line` to at most `max` UTF-16 units, marking the cut, and never
 * splitting a surrogate pair.
 */
export function truncate(line: string, max: number): string {
  if (line.length <= max) return line
  const marker = ` …[truncated ${line.length} chars]`
  let end = Math.max(0, max - marker.length)
  const last = line.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end--
  return line.slice(0, end) + marker
}

/** Cuts a line (ending in `\n`) to `max` units, keeping the newline. */
export function truncateLine(line: string, max: number): string {
  return line.length <= max ? line : truncate(line.slice(0, -1), max - 1) + '\n'
}

const NON_ASCII = /[^\x00-\x7f]/

/**
 * Bytes that `line` takes inside a JSON string, as UTF-8: what it adds to a
 * request body, so batch cuts are exact. The engine escapes natively (and
 * well-formed: lone surrogates come out as `\uXXXX`), which is far faster
 * than a loop in JS; only non-ASCII output needs counting by hand.
 */
export function jsonStringBytes(line: string): number {
  const escaped = JSON.stringify(line)
  if (!NON_ASCII.test(escaped)) return escaped.length - 2
  let bytes = -2
  for (let i = 0; i < escaped.length; i++) {
    const c = escaped.charCodeAt(i)
    if (c < 0x80) bytes++
    else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}
