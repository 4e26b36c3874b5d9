/**
 * The console as it was before any capture patched it: internal notices go
 * here so they never loop back into the logger.
 */
const originalWarn: (message: string) => void = typeof console == 'object' ? console.warn.bind(console) : () => {}

const said = new Set<string>()

/** Prints `horn-logger: message` once per distinct message, to the original console. */
export function warnOnce(message: string): void {
  if (said.has(message)) return
  said.add(message)
  try {
    originalWarn('horn-logger: ' + message)
  } catch {
    // A console that throws must not reach the app either.
  }
}

/**
 * Wraps a function so that nothing it throws reaches the caller: an agent
 * never throws into its host (README, "Delivery guarantees" 1).
 */
export function safe<A extends unknown[], R>(fn: (...args: A) => R, fallback?: R): (...args: A) => R {
  return (...args: A): R => {
    try {
      return fn(...args)
    } catch (error) {
      warnOnce('internal error: ' + String(error))
      return fallback as R
    }
  }
}
