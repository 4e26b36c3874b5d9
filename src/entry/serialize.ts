import { REDACTED, redactText } from './redact'

/** Deepest nesting kept; deeper values become a short description. */
const MAX_DEPTH = 8
/** Most keys or items kept per object or array, so one call cannot build a huge entry. */
const MAX_ITEMS = 200

/**
 * Turns any value into plain JSON-compatible data without throwing:
 * circular references, `BigInt`, symbols, functions, throwing getters,
 * DOM nodes, errors and huge strings all come out as something readable.
 * Values under a key `redact` matches (see `keyMatcher`) become
 * `"[redacted]"`, and so do secret URL parameters' values in strings.
 */
export function sanitize(value: unknown, redact: RegExp, maxString: number, depth = 0, ancestors?: object[]): unknown {
  // `typeof value == '…'` written out each time: one cheap bytecode in cold code.
  if (typeof value == 'string') return cleanString(value, redact, maxString)
  if (typeof value == 'number') return isFinite(value) ? value : String(value)
  if (typeof value == 'bigint' || typeof value == 'symbol') return String(value)
  // Not `value`: `document.all` is an object whose typeof is 'undefined'.
  if (typeof value == 'undefined') return undefined
  if (typeof value == 'boolean' || value === null) return value
  const object = value as Record<string, unknown>
  // Made here, not as a default: a string or number needs none. `[object]`
  // holds one slot; a first `push` would allocate seventeen.
  if (!ancestors) ancestors = [object]
  else if (ancestors.includes(object)) return '[Circular]'
  // One try per level: a Proxy or an exotic host object can throw from any check below.
  else ancestors.push(object)
  try {
    if (typeof value == 'function') return `[Function ${value.name || 'anonymous'}]`
    if (object instanceof Error) {
      const out: Record<string, unknown> = { name: sanitize(object.name, redact, maxString), message: sanitize(object.message, redact, maxString) }
      if (object.stack) out.stack = sanitize(object.stack, redact, maxString)
      if ('cause' in object && object.cause !== undefined && depth < MAX_DEPTH) out.cause = sanitize(object.cause, redact, maxString, depth + 1, ancestors)
      return out
    }
    if (object instanceof Date) return isNaN(+object) ? 'Invalid Date' : object.toISOString()
    if (typeof object.nodeType == 'number' && typeof object.nodeName == 'string') {
      // A DOM node: `<div#id.class1.class2>`, never its subtree.
      const { id, className } = object as unknown as Element
      let text = '<' + String(object.nodeName).toLowerCase()
      if (typeof id == 'string' && id) text += '#' + id
      if (typeof className == 'string' && className) text += '.' + className.trim().split(/\s+/).join('.')
      return text + '>'
    }
    if (depth >= MAX_DEPTH) return Array.isArray(object) ? '[Array]' : '[Object]'
    if (Array.isArray(object) || object instanceof Set) {
      // A `[name, value]` pair (fetch's header lists, `Object.entries`) is redacted by its name.
      if (object.length == 2 && typeof object[0] == 'string' && redact.test(object[0])) return [cleanString(object[0], redact, maxString), REDACTED]
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
    if (ArrayBuffer.isView(object)) return `[${object.constructor.name}(${object.byteLength} bytes)]`
    // Map, Headers, URLSearchParams, FormData: pairs behind methods, redacted by key like an object's.
    if (typeof object.get == 'function' && typeof object.entries == 'function')
      return sanitize(Object.fromEntries(object as unknown as Iterable<[string, unknown]>), redact, maxString, depth, ancestors)
    if (typeof object.toJSON == 'function') return sanitize(object.toJSON(), redact, maxString, depth + 1, ancestors)
    const out: Record<string, unknown> = {}
    let count = 0
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue
      if (++count > MAX_ITEMS) {
        out['…'] = 'more keys'
        break
      }
      let item: unknown = REDACTED
      if (!redact.test(key)) {
        try {
          item = sanitize(object[key], redact, maxString, depth + 1, ancestors)
        } catch (error) {
          // Cut and redacted like any string: the message may carry a URL.
          item = cleanString(`[Throws: ${describeThrown(error)}]`, redact, maxString)
        }
      }
      if (item !== undefined) out[key] = item
    }
    return out
  } catch (error) {
    return `[Unserializable: ${describeThrown(error)}]`
  } finally {
    ancestors.pop()
  }
}

function describeThrown(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error)
  } catch {
    return 'unknown'
  }
}

/**
 * A string as it may leave the page: cut to `maxString`, secret URL
 * parameters and secrets recognised by their shape redacted (`redactText`). Cut first, so a huge string is not scanned whole; a
 * value the cut split is still redacted (its parameter's value runs to the end).
 */
export function cleanString(text: string, redact: RegExp, maxString: number): string {
  return text.length > maxString ? redactText(text.slice(0, maxString), redact) + '…' : redactText(text, redact)
}

/** A string for any value, never throwing: strings as they are (secret URL parameters redacted), the rest as JSON. */
export function toText(value: unknown, redact: RegExp, maxString: number): string {
  const clean = sanitize(value, redact, maxString)
  return typeof clean == 'string' ? clean : String(JSON.stringify(clean))
}
