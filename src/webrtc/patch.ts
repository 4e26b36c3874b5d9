/** Method replacement with an exact undo: every patch returns its `stop()`. */
export type Method = (...args: unknown[]) => unknown

/**
 * Replaces `target[name]` and returns the `stop()` that puts back exactly
 * what was there: the own property if it had one, the inherited one if not.
 */
export function patch(target: object, name: string, make: (original: Method) => Method): () => void {
  const record = target as Record<string, unknown>
  const original = record[name]
  if (typeof original != 'function') return () => {}
  const own = Object.getOwnPropertyDescriptor(target, name)
  const replacement = make(original as Method)
  Object.defineProperty(target, name, { value: replacement, configurable: true, writable: true })
  return () => {
    if (record[name] !== replacement) return // someone wrapped over us: leave their wrapper in place
    if (own) Object.defineProperty(target, name, own)
    else delete record[name]
  }
}
