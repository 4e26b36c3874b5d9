// @ts-check
/**
 * Every route module, in the order their routes are tried. To add a route,
 * call `on('METHOD /path/:param', handler)` in the module of its resource (add
 * ` json` after the path when it takes a JSON body); for a new resource, write
 * `routes/<resource>.mjs` exporting `(on, deps) => void` and list it here.
 */
import { appSessionRoutes } from './app-sessions.mjs'
import { logRoutes } from './logs.mjs'
import { linkUserRoutes } from './link-user.mjs'
import { channelSessionRoutes } from './channel-sessions.mjs'
import { controlRoutes } from './control.mjs'
import { demoRoutes } from './demo.mjs'
import { stackRoutes } from './stacks.mjs'

/**
 * What a route module may use.
 * @typedef {{ store: ReturnType<typeof import('../../store.mjs').createStore>,
 *   access: ReturnType<typeof import('../access.mjs').createAccess>,
 *   faults: ReturnType<typeof import('../faults.mjs').createFaults>,
 *   options: import('../../server.mjs').HornServerOptions,
 *   onLogs: import('../../server.mjs').OnLogs | undefined }} Deps
 */

/** @type {((on: import('../http.mjs').On, deps: Deps) => void)[]} */
export const ROUTE_MODULES = [appSessionRoutes, logRoutes, linkUserRoutes, channelSessionRoutes, controlRoutes, demoRoutes, stackRoutes]
