/**
 * The script-tag entry, and the only module with side effects: defines
 * `window.HornLogger`, and when its own `<script>` element carries
 * `data-client-id`, creates `window.hornLogger` from its `data-*` attributes.
 * Calls queued by the async snippet (README) before it loaded are replayed
 * in order, with their original times.
 */
import { createLogger, DEFAULT_REDACT } from './index'
import { createAgent } from './agent/start'
import { LEVELS } from './lib/levels'
import type { Level, Logger, LoggerConfig } from './types'
import { warnOnce } from './lib/console'

type Queued = [method: string, args: ArrayLike<unknown>, time: number]

declare global {
  interface Window {
    HornLogger: { createLogger: typeof createLogger; DEFAULT_REDACT: typeof DEFAULT_REDACT }
    hornLogger?: Logger | { q?: Queued[] }
  }
}

function start(): void {
  window.HornLogger = { createLogger, DEFAULT_REDACT }
  const script = document.currentScript as HTMLScriptElement | null
  const data = script?.dataset
  if (!data?.clientId) return
  const flag = (value: string | undefined, fallback: boolean) => (value === undefined ? fallback : value !== 'false')
  const config: LoggerConfig = {
    clientId: data.clientId,
    apiUrl: data.apiUrl,
    channel: data.channel,
    level: data.level as Level | undefined,
    captureErrors: flag(data.captureErrors, true),
    captureConsole: flag(data.captureConsole, false),
    captureNetwork: flag(data.captureNetwork, true),
    captureReports: flag(data.captureReports, true),
    logPageInfo: flag(data.logPageInfo, true),
    release: data.release,
    environment: data.environment,
    consent: data.consent as LoggerConfig['consent'],
    // "" stays "": resolveConfig warns about it like any other non-number.
    sampleRate: (data.sampleRate && +data.sampleRate) as number | undefined,
  }
  if (data.context)
    try {
      config.context = JSON.parse(data.context)
    } catch {
      warnOnce('data-context is not JSON')
    }
  const queued = (window.hornLogger as { q?: Queued[] } | undefined)?.q
  const agent = createAgent(config)
  window.hornLogger = agent.logger
  const logger = agent.logger as unknown as Record<string, unknown>
  for (const [method, args, time] of Array.isArray(queued) ? queued : []) {
    if (LEVELS.includes(method as Level)) agent.log(method as Level, args[0], args[1], undefined, time)
    // linkUser, setContext, setContextProperty, setLevel, …: in order, so entries get the context set before them.
    else if (typeof logger[method] == 'function')
      Promise.resolve((logger[method] as (...a: unknown[]) => unknown).apply(logger, args as unknown[])).catch(() => {})
  }
}

try {
  start()
} catch {
  // Never in the way: a broken page must still load.
}
