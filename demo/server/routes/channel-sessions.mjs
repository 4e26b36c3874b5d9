// @ts-check
/**
 * Channel sessions ("Sessions") and channels: every call needs at least the
 * operator role on the channel (401 without a token, 403 for another's channel).
 */
import { sendJson } from '../http.mjs'

/** @param {import('../http.mjs').On} on @param {import('./index.mjs').Deps} deps */
export function channelSessionRoutes(on, { store, access }) {
  /** @param {import('../http.mjs').Ctx} ctx */
  const endSession = ({ req, res, params }) => sendJson(res, 200, store.endActiveSession(access.authenticate(req), params.uuid, params.sessionId))
  on('DELETE /channels/:uuid/session', endSession)
  on('DELETE /channels/:uuid/session/:sessionId', endSession)
  on('GET /sessions/:id', ({ req, res, params, query }) => sendJson(res, 200, store.getSession(access.authenticate(req), params.id, query.imgSize())))
  on('GET /sessions/:id/participants', ({ req, res, params, query }) => sendJson(res, 200, store.sessionParticipants(access.authenticate(req), params.id, query.imgSize())))
  on('GET /sessions/:id/recordings', ({ req, res, params }) => sendJson(res, 200, store.sessionRecordings(access.authenticate(req), params.id)))
  on('GET /channels/:uuid/participants', ({ req, res, params, query }) => {
    const caller = access.authenticate(req)
    sendJson(res, 200, store.channelParticipants(caller, params.uuid, { ...query.page(), search: query.string('search'), imgSize: query.imgSize() }))
  })
  on('GET /sessions', ({ req, res, query }) => {
    const caller = access.authenticate(req)
    const hasRecording = query.oneOf('hasRecording', ['true', 'false'])
    sendJson(res, 200, store.listSessions(caller, {
      ...query.page(),
      channel: query.string('channel'),
      search: query.string('search'),
      imgSize: query.imgSize(),
      sort: /** @type {'started' | 'ended' | 'name' | 'presence'} */ (query.oneOf('sort', ['started', 'ended', 'name', 'presence']) ?? 'started'),
      order: /** @type {'asc' | 'desc'} */ (query.oneOf('order', ['asc', 'desc']) ?? 'desc'),
      from: query.int('from'),
      to: query.int('to'),
      hasRecording: hasRecording === undefined ? undefined : hasRecording === 'true',
    }))
  })
}
