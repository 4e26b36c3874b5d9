// @ts-check
/**
 * Fault injection and housekeeping: the fail rate and latency the HTTP layer
 * applies, the logs-down window the logs route checks, and reset. One owner
 * for these settings; the control routes and tests change them through `controls`.
 */

/** @param {number} v */
export function checkRate(v) {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new RangeError(`failRate must be within 0..1, got ${v}`)
  return v
}

/** @param {number} v */
export function checkMs(v) {
  if (typeof v !== 'number' || !(v >= 0 && v <= 60_000)) throw new RangeError(`latencyMs must be within 0..60000, got ${v}`)
  return v
}

/**
 * @param {{ failRate: number, latencyMs: number, now: () => number, store: { reset(): void, flush(): Promise<void> },
 *   requests: unknown[] }} o `requests`: the server's request log, emptied by reset
 */
export function createFaults({ failRate, latencyMs, now, store, requests }) {
  const settings = {
    failRate: checkRate(failRate),
    latencyMs: checkMs(latencyMs),
    /** ms since the epoch until which `POST .../logs` answers 503 */
    logsDownUntil: 0,
  }

  function view() {
    const left = Math.max(0, settings.logsDownUntil - now())
    return { failRate: settings.failRate, latencyMs: settings.latencyMs, logsDown: left > 0, logsDownUntil: left > 0 ? settings.logsDownUntil : null }
  }

  /** Fault injection and housekeeping, for tests and the demo's control routes. */
  const controls = {
    /** Answer `POST .../logs` with 503 (and `Retry-After`) for `seconds` from now; 0 brings it back. @param {number} seconds @returns {number} until (ms) */
    logsDown(seconds) {
      settings.logsDownUntil = seconds > 0 ? now() + seconds * 1000 : 0
      return settings.logsDownUntil
    },
    logsUp() {
      settings.logsDownUntil = 0
    },
    /** @param {number} rate 0..1 */
    setFailRate(rate) {
      settings.failRate = checkRate(rate)
    },
    /** @param {number} ms */
    setLatency(ms) {
      settings.latencyMs = checkMs(ms)
    },
    /** Forget app sessions, logs, requests and conflicts; un-end the fixture's sessions; clear faults. */
    reset() {
      store.reset()
      requests.length = 0
      settings.failRate = 0
      settings.latencyMs = 0
      settings.logsDownUntil = 0
    },
    /** Nothing to do: every write is committed before it is answered. Kept for callers of the JSON-file store. */
    flush: () => store.flush(),
  }

  return {
    settings, view, controls,
    /** ms the logs endpoint stays down (0 or less: it is up). */
    logsDownLeftMs: () => settings.logsDownUntil - now(),
  }
}
