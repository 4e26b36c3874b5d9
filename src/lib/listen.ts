/** Adds an event listener and returns the `stop()` that removes it (every listener has one). */
export function listen<E extends Event>(target: EventTarget, type: string, listener: (event: E) => void): () => void {
  target.addEventListener(type, listener as EventListener)
  return () => target.removeEventListener(type, listener as EventListener)
}

/** One `stop()` for many. */
export const stopAll = (stops: Array<() => void>) => () => stops.forEach((stop) => stop())
