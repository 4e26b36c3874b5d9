/**
 * Every error horn-logger hands to an application is a `HornError`, so one
 * `instanceof` check catches them all (as ky's errors share `KyError`).
 * Each subclass sets its own `name`: a minifier may rename the class.
 */
export class HornError extends Error {
  override name = 'HornError'
}

/**
 * A Horn request of the agent ended for good (names the call and the status),
 * or the logger will never have an app session (`code`).
 */
export class HornLoggerError extends HornError {
  override name = 'HornLoggerError'
  constructor(
    message: string,
    /** The HTTP status of the final answer. */
    readonly status?: number,
    /** `'unsampled'`: the tab is outside `sampleRate`; `'denied'`: consent was denied. */
    readonly code?: 'unsampled' | 'denied',
  ) {
    super('horn-logger: ' + message)
  }
}
