// @ts-check
/** `POST /_demo/stacks`: the viewer's stack frames, parsed and mapped back with the server's source maps. */
import { sendJson } from '../http.mjs'
import { parseJsonObject } from '../input.mjs'

/** @param {import('../http.mjs').On} on @param {import('./index.mjs').Deps} deps */
export function stackRoutes(on, { stacks }) {
  // Only what the caller sends is mapped: no log is read, so no token is needed; the answer says
  // where the maps put the frames (as much as the maps served next to a minified file would).
  on('POST /_demo/stacks json', async ({ res, body }) => {
    const frames = await stacks.frames(parseJsonObject(body).stack)
    sendJson(res, 200, { frames, sourceMaps: !!stacks.sourceMapsDir })
  })
}
