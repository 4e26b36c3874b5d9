// @ts-check
/** `/_demo/*`: what the demo pages need besides the Horn API (users and tokens, channels, avatars, joining a channel). */
import { HttpError } from '../errors.mjs'
import { send, sendJson } from '../http.mjs'
import { checkString, parseJsonObject, MAX_ID_CHARS } from '../input.mjs'

/** @param {import('../http.mjs').On} on @param {import('./index.mjs').Deps} deps */
export function demoRoutes(on, { store }) {
  // The demo page joined a channel: Horn's backend learns that from its own signalling; the demo page says so.
  on('POST /_demo/app_sessions/:id/channel json', ({ res, params, body }) => {
    const channel = checkString(parseJsonObject(body).channel, 'channel', MAX_ID_CHARS)
    const a = store.joinChannel(params.id, channel)
    sendJson(res, 200, { channels: a.channels, channelsSessions: a.channelsSessions })
  })
  on('GET /_demo/users', ({ res }) => sendJson(res, 200, store.users()))
  on('GET /_demo/channels', ({ res }) => sendJson(res, 200, store.channels()))
  on('GET /_demo/image/:kind/:file', ({ res, params, query }) => {
    const size = query.imgSize('size') ?? 64
    const id = params.file.replace(/\.svg$/, '')
    let label
    if (params.kind === 'person' && /^\d+$/.test(id)) label = store.people(Number(id)).handle
    else if (params.kind === 'session') label = store.sessionName(id)
    else throw new HttpError(404, `no image ${params.kind}/${params.file}`)
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
    send(res, 200, 'image/svg+xml', avatarSvg(label, size))
  })
}

/** @param {string} label @param {number} size */
function avatarSvg(label, size) {
  const words = label.replace(/[^\p{L}\p{N} ]/gu, ' ').trim().split(/\s+/).filter(Boolean)
  // "Town Hall" -> TH, "alice" -> AL
  const initials = (words.length > 1 ? words.map((w) => w[0]).join('') : words[0] ?? '?').slice(0, 2).toUpperCase()
  let hue = 0
  for (const ch of label) hue = (hue * 31 + (ch.codePointAt(0) ?? 0)) % 360
  const esc = initials.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 64 64">` +
    `<rect width="64" height="64" rx="14" fill="hsl(${hue} 55% 42%)"/>` +
    `<text x="32" y="41" font-family="system-ui, sans-serif" font-size="24" text-anchor="middle" fill="#fff">${esc}</text></svg>`
}
