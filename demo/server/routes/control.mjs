// @ts-check
/**
 * `/_control/*`: fault injection and reset over HTTP, not part of the Horn API.
 * Only with `faultControls` (`--fault-controls`): anyone who reaches the port
 * could otherwise wipe the store.
 */
import { HttpError } from '../errors.mjs'
import { sendJson } from '../http.mjs'

/** @param {import('../http.mjs').On} on @param {import('./index.mjs').Deps} deps */
export function controlRoutes(on, { access, faults, options }) {
  if (!options.faultControls) return
  const { controls, settings, view } = faults
  on('GET /_control', ({ res }) => sendJson(res, 200, view()))
  on('POST /_control/logs-down', ({ req, res, query }) => {
    access.sameSiteOnly(req)
    const seconds = query.number('seconds', 0, 86_400)
    if (seconds === undefined) throw new HttpError(400, 'seconds is required, e.g. ?seconds=30')
    controls.logsDown(seconds)
    sendJson(res, 200, view())
  })
  on('POST /_control/config', ({ req, res, query }) => {
    access.sameSiteOnly(req)
    const failRate = query.number('failRate', 0, 1)
    const latencyMs = query.number('latencyMs', 0, 60_000)
    if (failRate !== undefined) settings.failRate = failRate
    if (latencyMs !== undefined) settings.latencyMs = latencyMs
    sendJson(res, 200, view())
  })
  on('POST /_control/reset', ({ req, res }) => {
    access.sameSiteOnly(req)
    controls.reset()
    sendJson(res, 200, view())
  })
}
