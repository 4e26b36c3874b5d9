// The log viewer: app sessions and channel sessions, read through the typed
// API client (`horn-logger/api`, built to /dist/api.mjs). Log text and server
// data are untrusted: they reach the page only through textContent and
// createElement, never innerHTML.
import { createHornApi, HornApiError } from '/dist/api.mjs'
import { callsOf, findStacks, LEVEL_RANK, parseLine } from '/lines.js'
import { drawCall } from '/chart.js'

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
/** The json format's level. */
const JSON_LEVEL = /"level":"(debug|info|warn|error)"/i
/** Every log row is this tall (style.css says so too): row N starts at N × ROW_PX. */
const ROW_PX = 18
/** Rows drawn above and below the visible ones, so a scroll shows drawn rows before the next frame. */
const OVERSCAN_ROWS = 30
/** The calls are re-read from the log at most this often while it grows. */
const CALLS_REDRAW_MS = 2000
/** Typing in the filter waits for a pause this long before it filters 10,000 lines again. */
const GREP_DEBOUNCE_MS = 150

const viewer = {
  users: [],
  channels: new Map(),
  token: undefined,
  selectedApp: undefined,
  /** `updated` and `batchCount` of the selected app session when its log was last read. */
  seen: '',
  logText: '',
  /** The log, split once: every line, its level, and the indexes of the lines the filters let through. */
  lines: [],
  levels: [],
  shown: [],
  downloadUrl: '',
  listKey: '',
  selectedSession: undefined,
  /** Index (in `lines`) of the line opened by a click, and how much taller than a row it is drawn. */
  open: -1,
  openExtra: 0,
  /** Frames of each stack, as the server mapped them: stack text → promise of frames. */
  frames: new Map(),
  calls: [],
  callsAt: 0,
  callsTimer: undefined,
  chart: undefined,
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
  // App session reads need a token: list nothing until someone signs in.
  if (!viewer.token) {
    viewer.listKey = ''
    $('app-sessions').replaceChildren()
    setText('count', 'Sign in (top right) to list app sessions: you see the ones linked to you and those of channels you operate; support staff (sam) see all.')
    return
  }
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
  setLog('')
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
  if (!viewer.token) {
    $('app-info').hidden = true
    showError('app-error', new Error('Sign in (top right) to read this app session.'))
    return
  }
  let s
  try {
    s = await api.appSessions.get(id)
  } catch (error) {
    // Not found, or not this user's to read: show nothing of what another user saw.
    $('app-info').hidden = true
    viewer.seen = ''
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
  setLog(text)
  setText('live', `· live, updated ${time(s.updated)}`)
}

// ---- the log: a virtual list -------------------------------------------------------
// 10,000 lines as 10,000 nodes take seconds to lay out; the rows in view (and a few
// around them) take a millisecond. The lines live in arrays; the DOM holds a sizer as
// tall as every shown line and one absolutely placed block of rows, redrawn on scroll.

/** Replaces the log, or appends the new lines when it only grew (the usual case, live). */
function setLog(text) {
  const box = $('log')
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 2 * ROW_PX
  let fresh = text
  if (viewer.logText && viewer.logText.endsWith('\n') && text.startsWith(viewer.logText)) {
    fresh = text.slice(viewer.logText.length)
  } else {
    viewer.lines = []
    viewer.levels = []
    viewer.shown = []
    viewer.open = -1
    viewer.openExtra = 0
    box.scrollTop = 0
  }
  viewer.logText = text
  const lines = fresh.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  const filter = currentFilter()
  for (const line of lines) {
    const i = viewer.lines.push(line) - 1
    viewer.levels.push(levelOf(line))
    if (passes(i, filter)) viewer.shown.push(i)
  }
  paintLog()
  if (atBottom && fresh !== text) box.scrollTop = box.scrollHeight
  refreshCalls(fresh !== text)
}

/** @returns {'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined} */
function levelOf(line) {
  return LEVEL.exec(line)?.[1] ?? JSON_LEVEL.exec(line)?.[1]?.toUpperCase()
}

function currentFilter() {
  const level = $('level').value
  return { needle: $('grep').value.trim().toLowerCase(), minRank: level ? LEVEL_RANK[level] : -1 }
}

/** Lines without a level (a custom format) show only when every level does. */
function passes(i, { needle, minRank }) {
  if (minRank >= 0 && !(LEVEL_RANK[viewer.levels[i]] >= minRank)) return false
  return !needle || viewer.lines[i].toLowerCase().includes(needle)
}

/** Re-filters every line (the filters changed). */
function applyFilters() {
  const filter = currentFilter()
  viewer.shown = []
  for (let i = 0; i < viewer.lines.length; i++) if (passes(i, filter)) viewer.shown.push(i)
  $('log').scrollTop = 0
  paintLog()
}

/** Where row `k` of the shown lines starts: rows after the opened one are pushed down by its extra height. */
function rowTop(k, openK) {
  return k * ROW_PX + (openK >= 0 && k > openK ? viewer.openExtra : 0)
}

/** Draws the rows in view, reusing the row nodes; the opened line is drawn with its structured form under it. */
function paintLog() {
  const box = $('log')
  const rows = $('log-rows')
  const { lines, levels, shown } = viewer
  const filtered = shown.length !== lines.length
  setText('match-count', lines.length === 0 ? '' : filtered
    ? `${shown.length.toLocaleString('en')} of ${lines.length.toLocaleString('en')} lines match`
    : `${lines.length.toLocaleString('en')} lines`)
  if (shown.length === 0) {
    $('log-sizer').style.height = `${ROW_PX}px`
    rows.replaceChildren(el('div', { className: 'DEBUG', text: lines.length ? '(no line matches the filters)' : '(no batch has arrived yet)' }))
    return
  }
  // The opened line's place among the shown ones (binary search: `shown` is sorted).
  const openK = viewer.open < 0 ? -1 : sortedIndexOf(shown, viewer.open)
  const extra = openK >= 0 ? viewer.openExtra : 0
  $('log-sizer').style.height = `${shown.length * ROW_PX + extra}px`
  const top = box.scrollTop
  const firstInView = openK >= 0 && top >= rowTop(openK + 1, openK) ? Math.floor((top - extra) / ROW_PX) : Math.min(Math.floor(top / ROW_PX), openK >= 0 ? Math.max(openK, 0) : Infinity)
  const first = Math.max(0, Math.min(firstInView, shown.length - 1) - OVERSCAN_ROWS)
  const end = Math.min(shown.length, Math.ceil((top + box.clientHeight) / ROW_PX) + OVERSCAN_ROWS + 1)
  rows.style.transform = `translateY(${rowTop(first, openK)}px)`
  while (rows.childElementCount < end - first) rows.append(document.createElement('div'))
  while (rows.childElementCount > end - first) rows.lastChild.remove()
  for (let k = first; k < end; k++) {
    const node = rows.children[k - first]
    const i = shown[k]
    node.dataset.line = String(i)
    if (i === viewer.open) {
      if (node.dataset.opened !== String(i)) {
        node.replaceChildren(el('div', { className: 'line-head', text: lines[i] }), lineDetail(lines[i]))
        node.dataset.opened = String(i)
      }
      node.className = `open ${levels[i] ?? ''}`
    } else {
      if (node.dataset.opened !== undefined || node.textContent !== lines[i]) {
        delete node.dataset.opened
        node.textContent = lines[i]
      }
      node.className = levels[i] ?? ''
    }
  }
  // The opened line's height is known once it is drawn: the rows after it move by that much.
  const opened = rows.querySelector('.open')
  if (opened) {
    const measured = Math.max(0, opened.offsetHeight - ROW_PX)
    if (measured !== viewer.openExtra) {
      viewer.openExtra = measured
      $('log-sizer').style.height = `${shown.length * ROW_PX + measured}px`
    }
  }
}

function sortedIndexOf(sorted, value) {
  let lo = 0
  let hi = sorted.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid] === value) return mid
    if (sorted[mid] < value) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}

/** A click on a line opens it (another click, or Escape, closes it). A selection of text is not a click. */
function onLogClick(event) {
  if (String(getSelection() ?? '')) return
  if (event.target.closest('.line-detail')) return
  const row = event.target.closest('#log-rows > div[data-line]')
  if (!row) return
  const i = Number(row.dataset.line)
  viewer.open = viewer.open === i ? -1 : i
  viewer.openExtra = 0
  paintLog()
  // A line opened near the bottom is scrolled up, so its structured form is in view.
  requestAnimationFrame(() => {
    const opened = $('log-rows').querySelector('.open')
    if (!opened) return
    const box = $('log').getBoundingClientRect()
    const row = opened.getBoundingClientRect()
    if (row.bottom > box.bottom) $('log').scrollTop += Math.min(row.top - box.top, row.bottom - box.bottom)
  })
}

// ---- one line, opened ------------------------------------------------------------------

/** The structured form of a line: time, level, message, context as indented JSON, stacks one frame per row. */
function lineDetail(raw) {
  const line = parseLine(raw)
  const box = el('div', { className: 'line-detail' })
  const facts = el('dl', { className: 'facts' })
  const fact = (name, value) => facts.append(el('dt', { text: name }), el('dd', { text: value }))
  fact('time', line.time === undefined ? '–' : `${new Date(line.time).toISOString()} (${time(line.time)} local)`)
  fact('level', line.level ?? '–')
  fact('message', line.message || '–')
  box.append(facts)
  if (line.context) box.append(el('div', { className: 'small muted', text: 'context' }), el('pre', { className: 'context', text: JSON.stringify(line.context, null, 2) }))
  for (const { path, stack } of findStacks(line.context)) {
    const list = el('ol', { className: 'frames', 'aria-label': `frames of ${path}` })
    box.append(el('div', { className: 'small muted', text: `${path}: frames` }), list)
    fillFrames(list, stack)
  }
  return box
}

/** `fn (file:line:col)`. */
function frameText(f) {
  const where = f.fileName ? [f.fileName, f.lineNumber, f.columnNumber].filter((p) => p !== undefined && p !== null).join(':') : ''
  return f.functionName ? (where ? `${f.functionName} (${where})` : f.functionName) : where || '<anonymous>'
}

/**
 * The frames of a stack, one per row: parsed (and mapped back to the original
 * source when the server has the source maps) by the server's `/_demo/stacks`;
 * the stack's own lines when that is not there.
 */
async function fillFrames(list, stack) {
  let frames = viewer.frames.get(stack)
  if (!frames) {
    frames = fetch('/_demo/stacks', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ stack }) })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(String(r.status)))))
      .then((answer) => answer.frames)
      .catch(() => stack.split('\n').map((source) => source.trim()).filter((source) => source && !/^\w*Error\b/.test(source)).map((source) => ({ source })))
    viewer.frames.set(stack, frames)
  }
  const rows = (await frames).map((f) => {
    const minified = f.fileName ? frameText(f) : f.source
    if (!f.original) return el('li', {}, el('span', { className: 'frame', text: minified }))
    const { source, line, column, functionName } = f.original
    return el('li', { className: 'mapped' },
      el('span', { className: 'frame original', text: frameText({ functionName, fileName: source, lineNumber: line, columnNumber: column }) }),
      el('span', { className: 'frame minified', text: minified }))
  })
  list.replaceChildren(...rows)
  // The opened line grew: measure it again.
  paintLog()
}

// ---- calls ---------------------------------------------------------------------------------

/** Re-reads the calls from the log (at most every CALLS_REDRAW_MS while it grows) and draws the one picked. */
function refreshCalls(grew) {
  const now = Date.now()
  if (grew && now - viewer.callsAt < CALLS_REDRAW_MS) {
    // Not now, but soon: the last batch of a burst is drawn too.
    viewer.callsTimer ??= setTimeout(() => {
      viewer.callsTimer = undefined
      refreshCalls(false)
    }, CALLS_REDRAW_MS - (now - viewer.callsAt))
    return
  }
  clearTimeout(viewer.callsTimer)
  viewer.callsTimer = undefined
  viewer.callsAt = now
  viewer.calls = callsOf(viewer.lines)
  $('calls').hidden = viewer.calls.length === 0
  const pick = $('call-pick')
  const wanted = pick.value
  pick.replaceChildren(...viewer.calls.map((c) => el('option', { value: c.id, text: `${c.id} · ${time(c.from)}` })))
  if (viewer.calls.some((c) => c.id === wanted)) pick.value = wanted
  drawPickedCall()
}

function drawPickedCall() {
  viewer.chart?.destroy()
  viewer.chart = undefined
  const call = viewer.calls.find((c) => c.id === $('call-pick').value) ?? viewer.calls[0]
  const box = $('call-chart')
  if (!call) return box.replaceChildren()
  setText('call-facts', `${Math.round((call.to - call.from) / 1000)} s · ${call.points.length} samples · ${call.bands.length} warnings · ${call.markers.length} events`)
  box.dataset.call = call.id
  box.dataset.bands = String(call.bands.length)
  box.dataset.markers = String(call.markers.length)
  viewer.chart = drawCall(box, call, Math.max(320, box.clientWidth || $('app-info').clientWidth))
  const warnings = call.bands.map((b) => el('li', { text: `${b.label}: ${time(b.from)} – ${time(b.to)} (${Math.max(0, Math.round((b.to - b.from) / 1000))} s)` }))
  if (warnings.length === 0) warnings.push(el('li', { className: 'muted', text: 'no warning during this call' }))
  $('call-warnings').replaceChildren(...warnings)
}

let paintQueued = false
function onLogScroll() {
  if (paintQueued) return
  paintQueued = true
  requestAnimationFrame(() => {
    paintQueued = false
    paintLog()
  })
}

let grepTimer
function onGrepInput() {
  clearTimeout(grepTimer)
  grepTimer = setTimeout(applyFilters, GREP_DEBOUNCE_MS)
}

/** The whole log as a file, made when asked for (a blob URL of the text held, not another request). */
function prepareDownload() {
  if (viewer.downloadUrl) URL.revokeObjectURL(viewer.downloadUrl)
  viewer.downloadUrl = URL.createObjectURL(new Blob([viewer.logText], { type: 'text/plain;charset=utf-8' }))
  const link = $('download')
  link.href = viewer.downloadUrl
  link.download = `horn-app-session-${viewer.selectedApp ?? 'log'}.log`
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
  // What this user may read differs: list again, and re-read the open app session.
  viewer.seen = ''
  loadAppSessions(true)
  refreshApp()
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
  $('grep').addEventListener('input', onGrepInput)
  $('level').addEventListener('change', applyFilters)
  $('log').addEventListener('scroll', onLogScroll, { passive: true })
  $('log').addEventListener('click', onLogClick)
  $('log').addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && viewer.open >= 0) {
      viewer.open = -1
      paintLog()
    }
  })
  $('call-pick').addEventListener('change', drawPickedCall)
  window.addEventListener('resize', () => {
    onLogScroll()
    if (viewer.chart) viewer.chart.setSize({ width: Math.max(320, $('call-chart').clientWidth), height: viewer.chart.height })
  })
  $('download').addEventListener('click', prepareDownload)
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
