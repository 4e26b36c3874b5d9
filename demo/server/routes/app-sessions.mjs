// @ts-check
/** App Sessions: register one (the agent's call, no token), read one, list them (a token; see access). */
import { sendJson } from '../http.mjs'
import { checkId, checkLong, checkString, parseJsonObject, MAX_ID_CHARS, MAX_URL_CHARS } from '../input.mjs'

/** @param {import('../http.mjs').On} on @param {import('./index.mjs').Deps} deps */
export function appSessionRoutes(on, { store, access }) {
  // The agent's three calls need no user token (the seed's protocol); reads need one.
  on('POST /app_sessions/new/:clientId json', ({ res, params, body }) => {
    const clientId = checkId(params.clientId, 'clientId')
    const input = parseJsonObject(body)
    const started = checkLong(input.started, 'started')
    const url = checkString(input.url, 'url', MAX_URL_CHARS)
    const channel = input.channel === undefined ? undefined : checkString(input.channel, 'channel', MAX_ID_CHARS)
    const appSession = store.registerAppSession({ clientId, started, url, channel })
    sendJson(res, 200, { id: appSession.id })
  })
  on('GET /app_sessions/:id', ({ req, res, params }) => sendJson(res, 200, access.readableAppSession(req, params.id)))
  on('GET /app_sessions', ({ req, res, query }) => {
    const caller = access.authenticate(req)
    sendJson(res, 200, store.listAppSessions(caller, {
      ...query.page(),
      user: query.string('user'),
      channelSession: query.string('channelSession'),
      channel: query.string('channel'),
      url: query.string('url'),
      startedBefore: query.int('startedBefore'),
      startedAfter: query.int('startedAfter'),
    }))
  })
}
