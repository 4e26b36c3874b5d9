// @ts-check
/**
 * Who is calling: a bearer token names a fixture user (and so their roles);
 * which app sessions they may read; and which origins may use the control routes.
 */
import { HttpError } from './errors.mjs'

/**
 * @param {{ store: ReturnType<typeof import('../store.mjs').createStore>, allowOrigin: (origin: string) => boolean }} deps
 */
export function createAccess({ store, allowOrigin }) {
  /** @param {import('node:http').IncomingMessage} req */
  function authenticate(req) {
    const header = req.headers.authorization ?? ''
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
    const user = store.userByToken(m?.[1])
    if (!user) {
      throw new HttpError(401, header ? 'the bearer token is not a known demo user (GET /_demo/users lists them)' : 'needs Authorization: Bearer <token>',
        { 'WWW-Authenticate': 'Bearer realm="horn-demo"' })
    }
    return user
  }

  /**
   * The app session, if the caller may read it (support staff: all; others: linked to them, or of a channel
   * they operate). Another's app session is a 404, as an unknown one: ids are not confirmed to strangers.
   * @param {import('node:http').IncomingMessage} req @param {string} id
   */
  function readableAppSession(req, id) {
    const caller = authenticate(req)
    if (!store.canRead(caller, id)) throw new HttpError(404, `unknown app session "${id}"`)
    return store.getAppSession(id)
  }

  /**
   * A control call from a page on another origin that CORS does not allow (a `no-cors` form post) is refused;
   * the server's own pages (same origin) and tools that send no Origin (curl) pass.
   * @param {import('node:http').IncomingMessage} req
   */
  function sameSiteOnly(req) {
    const origin = req.headers.origin
    if (origin === undefined || origin === `http://${req.headers.host}`) return
    if (origin === 'null' || !allowOrigin(origin)) throw new HttpError(403, `origin ${origin} may not call the control routes`)
  }

  return { authenticate, readableAppSession, sameSiteOnly }
}
