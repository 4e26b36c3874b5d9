// @ts-check
/** `POST /app_sessions/{id}/link/user`: the caller (by token) is linked to the app session. */
import { sendJson } from '../http.mjs'

/** @param {import('../http.mjs').On} on @param {import('./index.mjs').Deps} deps */
export function linkUserRoutes(on, { store, access }) {
  on('POST /app_sessions/:id/link/user', ({ req, res, params }) => {
    const user = access.authenticate(req)
    sendJson(res, 200, store.linkUser(params.id, user))
  })
}
