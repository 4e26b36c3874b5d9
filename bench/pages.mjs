// One HTML page per contender. Each defines `window.bench`:
//   run(n, start)   log n entries in a tight loop, with the contender's own call
//                   written out at the call site (monomorphic, no adapter in between)
//   ready           a promise, resolved once the contender can ship
//   flush(timeout)  horn only: resolves true once all is acknowledged
//   stats()         horn only
// and records long tasks from the start (buffered observer).

/** The message and context every contender logs: the same small object for all. */
const CALL_ARGS = `'bench message ' + i, { i: i, room: 'blue', ok: true }`

const HEAD = `<!doctype html>
<html><head><meta charset="utf-8"><title>bench</title>
<script>
  window.__longtasks = []
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longtasks.push({ start: e.startTime, duration: e.duration })
    }).observe({ type: 'longtask', buffered: true })
  } catch (e) {
    window.__longtasksUnsupported = String(e)
  }
</script>`

/**
 * @param {string} call the expression called once per entry, e.g. `logger.info`
 * @param {string} setup script run before, defining what `call` refers to
 * @param {string} extra more members of window.bench
 */
function page(call, setup, extra = '') {
  return `${HEAD}
<script>
${setup}
window.bench = {
  run(n, start) {
    for (let i = start; i < start + n; i++) ${call}(${CALL_ARGS})
  },
  ${extra}
}
</script>
</head><body>bench</body></html>`
}

/**
 * horn-logger from a script tag (0.1.0 has no page-info line and ignores the option).
 * @param {string} script
 * @param {string} sinkUrl
 * @param {object} [config] more options for createLogger
 */
const hornPage = (script, sinkUrl, config = {}) =>
  page(
    'logger.info',
    `</script><script src="${script}"></script><script>
const logger = HornLogger.createLogger({ clientId: 'bench', apiUrl: ${JSON.stringify(sinkUrl)}, captureErrors: false, logPageInfo: false, ...${JSON.stringify(config)} })`,
    `ready: logger.ready,
  flush: (timeout) => logger.flush({ timeout }),
  stats: () => logger.stats(),`,
  )

/**
 * @param {{ sinkUrl: string, hornScript: string, baselineScript?: string, hornConfig?: object }} o
 *   `hornConfig`: more options for this build's logger only (0.1.0 keeps its defaults)
 * @returns {Record<string, string>} path → HTML
 */
export function contenderPages({ sinkUrl, hornScript, baselineScript = '/horn-logger-0.1.0.min.js', hornConfig }) {
  return {
    '/horn.html': hornPage(hornScript, sinkUrl, hornConfig),
    '/horn-0.1.0.html': hornPage(baselineScript, sinkUrl),
    '/datadog.html': page(
      'DD_LOGS.logger.info',
      `</script><script src="/datadog-logs.js"></script><script>
DD_LOGS.init({
  clientToken: 'pubbench0000000000000000000000000',
  site: 'datadoghq.com',
  service: 'bench',
  proxy: ${JSON.stringify(sinkUrl + '/dd')},
  forwardErrorsToLogs: false,
  sessionSampleRate: 100,
  telemetrySampleRate: 0,
})`,
      `ready: Promise.resolve('datadog'),`,
    ),
    '/noop.html': page('noop', `function noop(message, context) {}`, `ready: Promise.resolve('noop'),`),
    '/console.html': page('console.log', ``, `ready: Promise.resolve('console'),`),
  }
}
