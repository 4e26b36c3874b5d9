// The demo conference page: plain DOM, wired to the `hornLogger` that the
// script tag in index.html created. Everything the server or the user sends is
// shown with textContent, never parsed as HTML.
'use strict'

const $ = (id) => document.getElementById(id)
/** Shared with the viewer, which preselects the same demo user. */
const USER_KEY = 'horn-demo.userId'
const BURST_SIZE = 10_000
const LOGS_DOWN_SECONDS = 10
/** The stats panel refresh: fast enough to watch a burst drain. */
const STATS_MS = 250

const logger = window.hornLogger
const state = { channel: undefined, muted: false, sharing: false, users: [], user: undefined, downUntil: 0 }

function setText(id, text) {
  $(id).textContent = text
}

function showBanner(text) {
  const banner = $('banner')
  banner.textContent = text
  banner.hidden = false
}

async function getJson(path) {
  const response = await fetch(path)
  if (!response.ok) throw new Error(`${path} answered ${response.status}`)
  return response.json()
}

function fillSelect(select, items, label) {
  select.replaceChildren()
  const none = document.createElement('option')
  none.value = ''
  none.textContent = 'choose…'
  select.append(none)
  for (const item of items) {
    const option = document.createElement('option')
    option.value = item.value
    option.textContent = label(item)
    select.append(option)
  }
}

// ---- channel, mute, share ---------------------------------------------------

async function loadChannels() {
  const channels = await getJson('/_demo/channels')
  state.channels = channels
  fillSelect($('channel'), channels.map((c) => ({ ...c, value: c.uuid })), (c) => c.name)
  $('channel').value = channels[0]?.uuid ?? ''
}

function join(event) {
  event.preventDefault()
  const channel = state.channels?.find((c) => c.uuid === $('channel').value)
  if (!channel) return
  if (state.channel) logger.info('left channel', { channel: state.channel.uuid, name: state.channel.name })
  state.channel = channel
  logger.info('joined channel', { channel: channel.uuid, name: channel.name })
  tellServerJoined(channel.uuid)
  setText('room-status', `In ${channel.name}`)
  $('chat').replaceChildren()
  for (const id of ['mute', 'share', 'chat-input', 'send']) $(id).disabled = false
  addChat('system', `You joined ${channel.name}.`)
}

/**
 * Horn's backend learns which channel an app session joined from its own signalling;
 * the demo has none, so the page tells the reference server (a demo-only call). Then the
 * app session's channels follow what the user joined, and the viewer's channel filter finds it.
 */
async function tellServerJoined(channel) {
  try {
    const id = await logger.ready
    const response = await fetch(`/_demo/app_sessions/${encodeURIComponent(id)}/channel`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel }),
    })
    if (!response.ok) throw new Error(`answered ${response.status}`)
  } catch (error) {
    logger.warn('could not tell the demo server about the channel', { channel, error: String(error?.message ?? error) })
  }
}

function toggleMute() {
  state.muted = !state.muted
  $('mute').textContent = state.muted ? 'Unmute' : 'Mute'
  $('mute').setAttribute('aria-pressed', String(state.muted))
  // Through the console on purpose: data-capture-console="true" turns it into an entry too.
  console.info(state.muted ? 'microphone muted' : 'microphone unmuted')
}

function toggleShare() {
  state.sharing = !state.sharing
  $('share').textContent = state.sharing ? 'Stop sharing' : 'Share screen'
  $('share').setAttribute('aria-pressed', String(state.sharing))
  logger.info(state.sharing ? 'screen share started' : 'screen share stopped', { channel: state.channel?.uuid })
}

// ---- chat ---------------------------------------------------------------------

function addChat(who, text) {
  const item = document.createElement('li')
  const name = document.createElement('b')
  name.textContent = who
  const body = document.createElement('span')
  body.textContent = text
  item.append(name, ' ', body)
  $('chat').append(item)
  item.scrollIntoView({ block: 'nearest' })
}

function sendChat(event) {
  event.preventDefault()
  const text = $('chat-input').value
  if (!text.trim() || !state.channel) return
  logger.info('chat message', { channel: state.channel.uuid, text })
  addChat(state.user?.handle ?? 'you', text)
  $('chat-input').value = ''
}

// ---- sign in ------------------------------------------------------------------

async function loadUsers() {
  state.users = await getJson('/_demo/users')
  fillSelect($('user'), state.users.map((u) => ({ ...u, value: String(u.id) })), (u) => `${u.handle} (${u.name})`)
  $('user').value = localStorage.getItem(USER_KEY) ?? String(state.users[0]?.id ?? '')
  if (!$('user').value) $('user').value = String(state.users[0]?.id ?? '')
}

async function signIn(event) {
  event.preventDefault()
  const user = state.users.find((u) => String(u.id) === $('user').value)
  if (!user) return
  $('signin-button').disabled = true
  setText('signin-status', `Signing in as ${user.handle}…`)
  try {
    // The token rides in a header only; the agent never logs headers.
    await logger.linkUser({ headers: { Authorization: 'Bearer ' + user.token } })
    state.user = user
    localStorage.setItem(USER_KEY, String(user.id))
    logger.info('signed in', { user: user.handle })
    setText('signin-status', `Signed in as ${user.handle}`)
    setText('signin-button', 'Switch user')
  } catch (error) {
    setText('signin-status', `Sign-in failed: ${error?.message ?? error}`)
  } finally {
    $('signin-button').disabled = false
  }
}

// ---- break things -------------------------------------------------------------

function throwError() {
  setText('action-status', 'Threw an uncaught error.')
  throw new Error('Demo: something broke in the conference UI')
}

function rejectPromise() {
  setText('action-status', 'Rejected a promise that nobody catches.')
  Promise.reject(new Error('Demo: a promise was rejected and nobody caught it'))
}

function burst() {
  const t0 = performance.now()
  // Each message its own: the same message 10,000 times would meet the repeat limit (10 a minute) and log 10 lines and a count.
  for (let i = 0; i < BURST_SIZE; i++) logger.debug('burst entry ' + i, { i, of: BURST_SIZE })
  const ms = performance.now() - t0
  setText('action-status', `Logged ${BURST_SIZE.toLocaleString('en')} entries in ${ms.toFixed(1)} ms of main-thread time.`)
}

async function logsDown() {
  try {
    const response = await fetch(`/_control/logs-down?seconds=${LOGS_DOWN_SECONDS}`, { method: 'POST' })
    if (!response.ok) throw new Error(`answered ${response.status}`)
    const { logsDownUntil } = await response.json()
    state.downUntil = logsDownUntil ?? 0
    logger.warn('logs endpoint taken down for the demo', { seconds: LOGS_DOWN_SECONDS })
    setText('action-status', `The logs endpoint answers 503 until ${new Date(logsDownUntil).toLocaleTimeString()}: entries wait, retries count up, nothing is lost.`)
  } catch (error) {
    setText('action-status', `Could not take the logs endpoint down: ${error?.message ?? error}`)
  }
}

// ---- stats panel --------------------------------------------------------------

function renderStats() {
  const stats = logger.stats()
  for (const dd of $('stats').querySelectorAll('dd')) {
    const value = stats[dd.dataset.stat]
    dd.textContent = typeof value === 'number' ? value.toLocaleString('en') : '–'
  }
  const left = Math.ceil((state.downUntil - Date.now()) / 1000)
  setText('server-status', left > 0 ? `Logs endpoint down: back in ${left} s` : state.downUntil ? 'Logs endpoint back up' : '')
  const id = logger.appSessionId
  if (id && $('app-session').textContent !== id) {
    setText('app-session', id)
    $('viewer-link').href = `/viewer.html?appSession=${encodeURIComponent(id)}`
  }
}

// ---- start --------------------------------------------------------------------

function start() {
  if (!logger || typeof logger.stats !== 'function') {
    showBanner('horn-logger did not load: run `npm run build` (or `npm run demo`, which builds first) and reload.')
    return
  }
  $('join').addEventListener('submit', join)
  $('mute').addEventListener('click', toggleMute)
  $('share').addEventListener('click', toggleShare)
  $('chat-form').addEventListener('submit', sendChat)
  $('signin').addEventListener('submit', signIn)
  $('throw').addEventListener('click', throwError)
  $('reject').addEventListener('click', rejectPromise)
  $('burst').addEventListener('click', burst)
  $('logs-down').addEventListener('click', logsDown)
  renderStats()
  setInterval(renderStats, STATS_MS)
  logger.info('conference UI loaded', { userAgent: navigator.userAgent })
  Promise.all([loadChannels(), loadUsers()]).then(
    () => document.body.classList.add('loaded'),
    (error) => showBanner(`Could not reach the demo server: ${error?.message ?? error}`),
  )
}

start()
