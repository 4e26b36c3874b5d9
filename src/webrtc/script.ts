/**
 * The second script tag (`dist/horn-logger-webrtc.min.js`), loaded after
 * `horn-logger.min.js`: adds `HornLogger.instrumentWebRTC`, and unless its
 * tag says `data-auto="false"`, instruments the page at once, logging to
 * `window.hornLogger` (looked up at every line, so the async snippet's stub
 * and the logger that replaces it both work). The handle is
 * `HornLogger.webrtc`. `data-stats-interval` sets the stats interval in ms.
 */
import { instrumentWebRTC, type WebRTCInstrumentation } from './index'
import type { WebRTCLogger } from './log'

type Global = { HornLogger?: { instrumentWebRTC?: typeof instrumentWebRTC; webrtc?: WebRTCInstrumentation }; hornLogger?: Partial<WebRTCLogger> }

function start(): void {
  const global = window as unknown as Global
  const api = (global.HornLogger ??= {})
  api.instrumentWebRTC = instrumentWebRTC
  const data = (document.currentScript as HTMLScriptElement | null)?.dataset
  if (data?.auto === 'false') return
  const forward = (level: keyof WebRTCLogger) => (message: string, context?: object) => global.hornLogger?.[level]?.(message, context)
  const logger: WebRTCLogger = { debug: forward('debug'), info: forward('info'), warn: forward('warn'), error: forward('error') }
  api.webrtc = instrumentWebRTC(logger, { statsInterval: data?.statsInterval ? Number(data.statsInterval) : undefined })
}

try {
  start()
} catch {
  // Never in the way: a broken page must still load.
}
