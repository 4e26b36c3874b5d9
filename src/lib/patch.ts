/**
 * Puts `make(original)` in place of the function `target[name]` (nothing
 * when there is none). The returned function puts the original back, unless
 * something else replaced ours since: then taking it out would undo theirs.
 */
export function patch(target: any, name: string, make: (original: any) => unknown): () => void {
  const original = target?.[name]
  if (typeof original != 'function') return () => {}
  const patched = make(original)
  target[name] = patched
  return () => {
    if (target[name] === patched) target[name] = original
  }
}
