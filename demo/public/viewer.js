// The log viewer: app sessions and channel sessions, read through the typed
// API client (`horn-logger/api`, built to /dist/api.mjs). Log text and server
// data are untrusted: they reach the page only through textContent and
// createElement, never innerHTML.
import { createHornApi, HornApiError } from '/dist/api.mjs'

const $ = (id) => document.getElementById(id)
/** Shared with the demo page, which stores the user who signed in there. */
const USER_KEY = 'horn-demo.userId'
/** The selected app session is re-read this often; `updated` makes it cheap. */
const SESSION_POLL_MS = 1000
/** The list of app sessions is refreshed this often, so new page loads appear. */
const LIST_POLL_MS = 3000
const LIST_LIMIT = 50
/** `2026-11-27T10:00:00.000Z INFO …`: the text format's level, for colour and filtering. */
const LEVEL = /^\S+ (DEBUG|INFO|WARN|ERROR) /

const viewer = {
  users: [],
  channels: new Map(),
  token: undefined,
  selectedApp: undefined,
  /** `updated` and `batchCount` of the selected app session when its log was last read. */
  seen: '',
  logText: '',
  listKey: '',
  selectedSession: undefined,
}

const api = createHornApi({
  apiUrl: '',
  headers: () => (viewer.token ? { Authorization: 'Bearer ' + viewer.token } : {}),
})

// ---- small DOM helpers (text only) ---------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (key === 'className') node.className = value
    else if (key === 'text') node.textContent = value
    else node.setAttribute(key, value)
  }
  node.append(...children.filter((c) => c !== undefined && c !== null))
  return node
}

function setText(id, text) {
  $(id).textContent = text
}

function showError(id, error) {
  const node = $(id)
  node.hidden = !error
  node.textContent = error ? describe(error) : ''
}

function describe(error) {
  if (error instanceof HornApiError) {
    const reason = typeof error.body === 'object' && error.body?.error ? `: ${error.body.error}` : ''
    return `${error.call} answered ${error.status}${reason}`
  }
  return String(error?.message ?? error)
}

const pad = (n) => String(n).padStart(2, '0')
/** Local time, `2026-11-27 10:00:00`, or `–`. */
function time(ms) {
  if (typeof ms !== 'number') return '–'
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

function channelName(uuid) {
  return viewer.channels.get(uuid)?.name ?? uuid
}

/** A chip per person; the avatar only from our own origin (the CSP allows no other). */
function personChip(person, extra) {
  const item = el('li')
  let src
  try {
    const url = new URL(person.imageUrl, location.href)
    if (url.origin === location.origin) src = url.href
  } catch {
    // no or bad imageUrl: no avatar
  }
  if (src) {
    const img = el('img', { alt: '', src })
    img.addEventListener('error', () => img.remove())
    item.append(img)
  } else item.className = 'noimg'
  item.append(el('span', { text: person.handle ?? `user ${person.id}` }))
  if (extra) item.append(el('span', { className: 'small muted', text: extra }))
  return item
}

function fillSelect(select, items, value, label) {
  for (const item of items) select.append(el('option', { value: value(item), text: label(item) }))
}

// ---- app sessions: list -----------------------------------------------------------

function readFilters() {
  const ms = (id) => {
    const v = $(id).value
    const t = v ? new Date(v).getTime() : NaN
    return Number.isFinite(t) ? t : undefined
  }
  return {
    user: $('f-user').value || undefined,
    channel: $('f-channel').value || undefined,
    url: $('f-url').value || undefined,
    startedAfter: ms('f-after'),
    startedBefore: ms('f-before'),
    limit: LIST_LIMIT,
  }
}

async function loadAppSessions(force = false) {
  let page
  try {
    page = await api.appSessions.query(readFilters())
    showError('app-error', undefined)
  } catch (error) {
    showError('app-error', error)
    return
  }
  const key = JSON.stringify(page.results.map((s) => [s.id, s.updated, s.batchCount, s.users.length])) + page.total
  if (!force && key === viewer.listKey) return
  viewer.listKey = key
  setText('count', page.total > page.results.length ? `${page.total} app sessions, newest ${page.results.length} shown` : `${page.total} app session${page.total === 1 ? '' : 's'}`)
  const list = $('app-sessions')
  list.replaceChildren()
  if (page.results.length === 0) list.append(el('li', { className: 'empty', text: 'No app session matches.' }))
  for (const s of page.results) {
    const users = s.users.map((u) => u.handle).join(', ')
    const item = el('li', { role: 'option', 'aria-selected': String(s.id === viewer.selectedApp), 'data-id': s.id },
      el('div', { className: 'title' }, el('b', { text: s.clientId }), el('span', { className: 'small muted', text: time(s.started) })),
      el('div', { className: 'sub', text: s.url }),
      el('div', { className: 'sub', text: `${users ? 'users: ' + users : 'no user linked'} · ${s.batchCount ?? '?'} batches${s.channels.length ? ' · ' + s.channels.map(channelName).join(', ') : ''}` }),
    )
    item.addEventListener('click', () => selectApp(s.id))
    list.append(item)
  }
}

// ---- app sessions: the selected one -------------------------------------------------

async function selectApp(id) {
  viewer.selectedApp = id
  viewer.seen = ''
  viewer.logText = ''
  $('log').replaceChildren()
  for (const item of $('app-sessions').children) item.setAttribute('aria-selected', String(item.dataset.id === id))
  const url = new URL(location.href)
  url.searchParams.set('appSession', id)
  history.replaceState(null, '', url)
  await refreshApp()
}

/** Re-reads the selected app session; fetches its log only when a batch or a link changed it. */
async function refreshApp() {
  const id = viewer.selectedApp
  if (!id) return
  let s
  try {
    s = await api.appSessions.get(id)
  } catch (error) {
    showError('app-error', error)
    return
  }
  if (id !== viewer.selectedApp) return
  showError('app-error', undefined)
  const seen = `${s.updated}/${s.batchCount}/${s.users.length}`
  if (seen === viewer.seen) return
  $('app-empty').hidden = true
  $('app-info').hidden = false
  setText('d-id', s.id)
  setText('d-client', s.clientId)
  setText('d-url', s.url)
  setText('d-started', time(s.started))
  setText('d-channels', s.channels.map(channelName).join(', ') || '–')
  setText('d-channel-sessions', s.channelsSessions.join(', ') || '–')
  setText('d-batches', String(s.batchCount ?? '?'))
  const users = $('d-users')
  users.replaceChildren(...s.users.map((u) => personChip(u, typeof u.linked === 'number' ? `linked ${time(u.linked)}` : undefined)))
  if (s.users.length === 0) users.append(el('li', { className: 'noimg muted', text: 'no user linked yet' }))
  let text
  try {
    text = await api.appSessions.logs(id)
  } catch (error) {
    showError('app-error', error)
    return
  }
  if (id !== viewer.selectedApp) return
  viewer.seen = seen
  renderLog(text)
  setText('live', `· live, updated ${time(s.updated)}`)
}

/** Appends the new lines when the log only grew (the usual case), else redraws it. */
function renderLog(text) {
  const log = $('log')
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40
  let fresh = text
  if (viewer.logText && text.startsWith(viewer.logText)) fresh = text.slice(viewer.logText.length)
  else log.replaceChildren()
  viewer.logText = text
  const needle = $('grep').value
  const lines = fresh.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  const fragment = document.createDocumentFragment()
  for (const line of lines) {
    const row = document.createElement('div')
    row.textContent = line
    const level = LEVEL.exec(line)?.[1]
    if (level) row.classList.add(level)
    if (needle && !line.includes(needle)) row.classList.add('hidden')
    fragment.append(row)
  }
  log.append(fragment)
  if (log.childElementCount === 0) log.append(el('div', { className: 'DEBUG', text: '(no batch has arrived yet)' }))
  if (atBottom) log.scrollTop = log.scrollHeight
}

function applyGrep() {
  const needle = $('grep').value
  for (const row of $('log').children) row.classList.toggle('hidden', !!needle && !row.textContent.includes(needle))
}

// ---- channel sessions --------------------------------------------------------------

async function loadChannelSessions() {
  const list = $('channel-sessions')
  list.replaceChildren()
  $('cs-hint').hidden = !!viewer.token
  if (!viewer.token) return
  try {
    const page = await api.sessions.list({ limit: 100 })
    showError('cs-error', undefined)
    if (page.results.length === 0) list.append(el('li', { className: 'empty', text: 'This user hosts no channel.' }))
    for (const s of page.results) {
      const when = s.started ? `${time(s.started)}${s.ended ? '' : ' · live'}` : 'not started'
      const item = el('li', { role: 'option', 'aria-selected': String(s.id === viewer.selectedSession), 'data-id': s.id },
        el('div', { className: 'title' }, el('b', { text: s.name }), el('span', { className: 'small muted', text: s.serviceMode })),
        el('div', { className: 'sub', text: `${channelName(s.channel)} · ${when} · ${s.participantsCount} participants${s.hadRecording ? ' · recorded' : ''}` }),
      )
      item.addEventListener('click', () => selectSession(s.id))
      list.append(item)
    }
  } catch (error) {
    showError('cs-error', error)
  }
}

async function selectSession(id) {
  viewer.selectedSession = id
  for (const item of $('channel-sessions').children) item.setAttribute('aria-selected', String(item.dataset.id === id))
  try {
    const [s, participants, recordings] = await Promise.all([
      api.sessions.get(id, { imgSize: 44 }),
      api.sessions.participants(id, { imgSize: 44 }),
      api.sessions.recordings(id),
    ])
    if (id !== viewer.selectedSession) return
    showError('cs-error', undefined)
    $('cs-empty').hidden = true
    $('cs-info').hidden = false
    setText('cs-name', s.name)
    setText('cs-id', s.id)
    setText('cs-channel', channelName(s.channel))
    setText('cs-mode', s.serviceMode)
    setText('cs-started', time(s.started))
    setText('cs-ended', s.ended ? time(s.ended) : s.started ? 'still running' : '–')
    setText('cs-parent', s.parentId ?? '–')
    $('cs-participants').replaceChildren(...participants.map((p) => personChip(p)))
    if (participants.length === 0) $('cs-participants').append(el('li', { className: 'noimg muted', text: 'nobody' }))
    const rows = recordings.map((r) => el('tr', {},
      el('td', { text: r.label }), el('td', { text: r.kind }), el('td', { text: r.format }), el('td', { text: r.state }),
      el('td', { text: time(r.startTime) }), el('td', { text: typeof r.size === 'number' ? `${(r.size / 1e6).toFixed(1)} MB` : '–' })))
    if (rows.length === 0) rows.push(el('tr', {}, el('td', { className: 'muted', colspan: '6', text: 'no recordings' })))
    $('cs-recordings').replaceChildren(...rows)
  } catch (error) {
    showError('cs-error', error)
  }
}

// ---- tabs, sign-in, polling -----------------------------------------------------------

function showTab(name) {
  const app = name === 'app'
  $('tab-app').setAttribute('aria-selected', String(app))
  $('tab-channel').setAttribute('aria-selected', String(!app))
  $('app-view').hidden = !app
  $('channel-view').hidden = app
  if (!app) loadChannelSessions()
}

function signIn() {
  const user = viewer.users.find((u) => String(u.id) === $('viewer-user').value)
  viewer.token = user?.token
  if (user) localStorage.setItem(USER_KEY, String(user.id))
  viewer.selectedSession = undefined
  $('cs-info').hidden = true
  $('cs-empty').hidden = false
  loadChannelSessions()
}

/** A polling loop that never overlaps itself and rests while the tab is hidden. */
function every(ms, task) {
  const tick = async () => {
    if (!document.hidden) await task().catch(() => {})
    setTimeout(tick, ms)
  }
  setTimeout(tick, ms)
}

async function start() {
  try {
    const [users, channels] = await Promise.all([
      fetch('/_demo/users').then((r) => r.json()),
      fetch('/_demo/channels').then((r) => r.json()),
    ])
    viewer.users = users
    for (const c of channels) viewer.channels.set(c.uuid, c)
    fillSelect($('f-user'), users, (u) => String(u.id), (u) => u.handle)
    fillSelect($('viewer-user'), users, (u) => String(u.id), (u) => `${u.handle} (${u.name})`)
    fillSelect($('f-channel'), channels, (c) => c.uuid, (c) => c.name)
  } catch (error) {
    const banner = $('banner')
    banner.textContent = `Could not reach the demo server: ${describe(error)}`
    banner.hidden = false
  }
  const params = new URLSearchParams(location.search)
  if (params.has('url')) $('f-url').value = params.get('url')
  const stored = localStorage.getItem(USER_KEY)
  if (stored && viewer.users.some((u) => String(u.id) === stored)) {
    $('viewer-user').value = stored
    viewer.token = viewer.users.find((u) => String(u.id) === stored)?.token
  }

  $('filters').addEventListener('submit', (event) => {
    event.preventDefault()
    loadAppSessions(true)
  })
  $('f-clear').addEventListener('click', () => {
    $('filters').reset()
    loadAppSessions(true)
  })
  for (const id of ['f-user', 'f-channel', 'f-after', 'f-before']) $(id).addEventListener('change', () => loadAppSessions(true))
  $('grep').addEventListener('input', applyGrep)
  $('tab-app').addEventListener('click', () => showTab('app'))
  $('tab-channel').addEventListener('click', () => showTab('channel'))
  $('viewer-user').addEventListener('change', signIn)

  await loadAppSessions(true)
  const wanted = params.get('appSession')
  if (wanted) await selectApp(wanted)
  every(SESSION_POLL_MS, refreshApp)
  every(LIST_POLL_MS, () => ($('app-view').hidden ? Promise.resolve() : loadAppSessions()))
  document.body.classList.add('loaded')
}

start()
