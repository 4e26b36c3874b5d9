// The typed client against a stub fetch (what goes on the wire, what comes back)
// and a tiny real http server on 127.0.0.1 (network errors, abort mid-flight).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createHornApi,
  HornApiError,
  HornNetworkError,
  type HornApiOptions,
  type Page,
} from '../../src/api'

interface Sent {
  url: string
  method: string
  headers: Record<string, string>
  body: string | undefined
  init: RequestInit
}

type Answer = Response | ((sent: Sent) => Response | Promise<Response>)

/** A fetch that records every request and answers from `answer` (default: `{}` as JSON). */
function stubFetch(answer: Answer = () => json({})) {
  const sent: Sent[] = []
  const responses: Response[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const s: Sent = {
      url: String(input),
      method: init.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      body: init.body === undefined ? undefined : String(init.body),
      init,
    }
    sent.push(s)
    const response = typeof answer === 'function' ? await answer(s) : answer
    responses.push(response)
    return response
  })
  return { fetch: fetch as unknown as typeof globalThis.fetch, sent, responses, mock: fetch }
}

const json = (value: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json', ...headers } })

const API = 'http://horn.test/api'

function client(answer?: Answer, options: Partial<HornApiOptions> = {}) {
  const stub = stubFetch(answer)
  const api = createHornApi({ apiUrl: API, fetch: stub.fetch, ...options })
  return { api, ...stub }
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of iterable) out.push(item)
  return out
}

describe('query strings', () => {
  it('drops undefined and null values and stringifies numbers and booleans', async () => {
    const { api, sent } = client(() => json({ total: 0, results: [] }))
    await api.sessions.list({
      channel: 'c1',
      search: undefined,
      limit: 10,
      offset: 0,
      hasRecording: false,
      sort: 'name',
      order: 'asc',
      from: 1_700_000_000_000,
      to: undefined,
      imgSize: 64,
    })
    expect(sent[0]!.url).toBe(
      `${API}/sessions?channel=c1&limit=10&offset=0&hasRecording=false&sort=name&order=asc&from=1700000000000&imgSize=64`,
    )
    await api.sessions.list({ to: undefined, ...({ search: null } as object) })
    expect(sent[1]!.url).toBe(`${API}/sessions`)
    await api.sessions.list()
    expect(sent[2]!.url).toBe(`${API}/sessions`)
  })

  it('encodes values', async () => {
    const { api, sent } = client(() => json({ total: 0, results: [] }))
    await api.appSessions.query({ url: 'https://x.test/a?b=1&c=d e', user: 42, startedAfter: 5, startedBefore: 9 })
    const url = new URL(sent[0]!.url)
    expect(url.pathname).toBe('/api/app_sessions')
    expect(url.searchParams.get('url')).toBe('https://x.test/a?b=1&c=d e')
    expect(url.searchParams.get('user')).toBe('42')
    expect(url.searchParams.get('startedAfter')).toBe('5')
    expect(url.searchParams.get('startedBefore')).toBe('9')
    expect(sent[0]!.url).toContain('url=https%3A%2F%2Fx.test%2Fa%3Fb%3D1%26c%3Dd+e')
  })
})

describe('paths', () => {
  it('encodes every path segment with encodeURIComponent', async () => {
    const { api, sent } = client(() => json({}))
    const odd = 'a/b c?d#e%f&é'
    await api.appSessions.get(odd)
    await api.sessions.participants(odd, { imgSize: 48 })
    await api.channels.endSession(odd, '../x')
    expect(sent.map((s) => s.url)).toEqual([
      `${API}/app_sessions/${encodeURIComponent(odd)}`,
      `${API}/sessions/${encodeURIComponent(odd)}/participants?imgSize=48`,
      `${API}/channels/${encodeURIComponent(odd)}/session/..%2Fx`,
    ])
    expect(sent[0]!.url).toContain('/app_sessions/a%2Fb%20c%3Fd%23e%25f%26%C3%A9')
  })

  it('tolerates a trailing slash in apiUrl, and an empty apiUrl makes relative URLs', async () => {
    const a = client(undefined, { apiUrl: 'http://horn.test/api///' })
    await a.api.appSessions.get('x')
    expect(a.sent[0]!.url).toBe('http://horn.test/api/app_sessions/x')
    const b = client(undefined, { apiUrl: '' })
    await b.api.appSessions.get('x')
    expect(b.sent[0]!.url).toBe('/app_sessions/x')
  })
})

describe('every method: URL, method, body', () => {
  const ok = () => json({ id: 'new', total: 0, results: [] })
  const cases: [string, (api: ReturnType<typeof createHornApi>) => Promise<unknown>, string, string, unknown][] = [
    [
      'appSessions.register',
      (api) => api.appSessions.register('conference-ui', { started: 1000, url: 'https://app.test/', channel: 'ch' }),
      'POST',
      '/app_sessions/new/conference-ui',
      { started: 1000, url: 'https://app.test/', channel: 'ch' },
    ],
    [
      'appSessions.sendLog',
      (api) => api.appSessions.sendLog('as1', { time: 5, data: 'INFO a\n', index: 0 }),
      'POST',
      '/app_sessions/as1/logs',
      { time: 5, data: 'INFO a\n', index: 0 },
    ],
    ['appSessions.linkUser', (api) => api.appSessions.linkUser('as1'), 'POST', '/app_sessions/as1/link/user', undefined],
    ['appSessions.get', (api) => api.appSessions.get('as1'), 'GET', '/app_sessions/as1', undefined],
    ['appSessions.logs', (api) => api.appSessions.logs('as1'), 'GET', '/app_sessions/as1/logs', undefined],
    [
      'appSessions.query',
      (api) => api.appSessions.query({ user: 'u1', limit: 5, offset: 10 }),
      'GET',
      '/app_sessions?user=u1&limit=5&offset=10',
      undefined,
    ],
    ['sessions.get', (api) => api.sessions.get('s1', { imgSize: 128 }), 'GET', '/sessions/s1?imgSize=128', undefined],
    ['sessions.participants', (api) => api.sessions.participants('s1'), 'GET', '/sessions/s1/participants', undefined],
    ['sessions.recordings', (api) => api.sessions.recordings('s1'), 'GET', '/sessions/s1/recordings', undefined],
    ['sessions.list', (api) => api.sessions.list({ channel: 'c' }), 'GET', '/sessions?channel=c', undefined],
    [
      'channels.participants',
      (api) => api.channels.participants('c1', { search: 'al', limit: 2, offset: 4, imgSize: 32 }),
      'GET',
      '/channels/c1/participants?search=al&limit=2&offset=4&imgSize=32',
      undefined,
    ],
    ['channels.endSession (active)', (api) => api.channels.endSession('c1'), 'DELETE', '/channels/c1/session', undefined],
    [
      'channels.endSession (one session)',
      (api) => api.channels.endSession('c1', 's9'),
      'DELETE',
      '/channels/c1/session/s9',
      undefined,
    ],
  ]

  it.each(cases)('%s', async (_name, call, method, path, body) => {
    const { api, sent } = client(ok)
    await call(api)
    expect(sent).toHaveLength(1)
    expect(sent[0]!.method).toBe(method)
    expect(sent[0]!.url).toBe(API + path)
    if (body === undefined) {
      expect(sent[0]!.body).toBeUndefined()
      expect(sent[0]!.headers['content-type']).toBeUndefined()
    } else {
      expect(JSON.parse(sent[0]!.body!)).toEqual(body)
      expect(sent[0]!.headers['content-type']).toBe('application/json')
    }
  })

  it('omits an undefined channel and index from the JSON body', async () => {
    const { api, sent } = client(ok)
    await api.appSessions.register('c', { started: 1, url: 'u', channel: undefined })
    await api.appSessions.sendLog('a', { time: 1, data: 'x\n' })
    expect(sent[0]!.body).toBe('{"started":1,"url":"u"}')
    expect(sent[1]!.body).toBe('{"time":1,"data":"x\\n"}')
  })
})

describe('answers', () => {
  it('parses JSON answers', async () => {
    const session = { id: 'as1', clientId: 'c', url: 'u', started: 1, channels: [], channelsSessions: [], users: [] }
    const { api } = client(() => json(session))
    await expect(api.appSessions.get('as1')).resolves.toEqual(session)
    const reg = client(() => json({ id: 'as2' }))
    await expect(reg.api.appSessions.register('c', { started: 1, url: 'u' })).resolves.toEqual({ id: 'as2' })
  })

  it('returns the logs as text, even when they look like JSON', async () => {
    const { api } = client(() => new Response('{"a":1}\nINFO b\n', { headers: { 'content-type': 'text/plain' } }))
    await expect(api.appSessions.logs('as1')).resolves.toBe('{"a":1}\nINFO b\n')
    const empty = client(() => new Response(''))
    await expect(empty.api.appSessions.logs('as1')).resolves.toBe('')
  })

  it('a 2xx with an empty body is undefined', async () => {
    const { api } = client(() => new Response(null, { status: 204 }))
    await expect(api.sessions.get('s')).resolves.toBeUndefined()
    await expect(api.appSessions.sendLog('a', { time: 1, data: '' })).resolves.toBeUndefined()
    await expect(api.channels.endSession('c')).resolves.toBeUndefined()
  })

  it('void calls read and discard whatever body comes back', async () => {
    const { api, responses } = client(() => new Response('OK', { status: 201 }))
    await expect(api.appSessions.sendLog('a', { time: 1, data: 'x\n', index: 3 })).resolves.toBeUndefined()
    await expect(api.appSessions.linkUser('a')).resolves.toBeUndefined()
    await expect(api.channels.endSession('c', 's')).resolves.toBeUndefined()
    expect(responses.every((r) => r.bodyUsed)).toBe(true)
  })

  it('a 2xx whose JSON does not parse is a HornApiError carrying the text', async () => {
    const { api } = client(() => new Response('<html>proxy</html>', { status: 200 }))
    const error = await api.sessions.get('s').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HornApiError)
    expect(error).toMatchObject({ status: 200, call: 'GET /sessions/s', body: '<html>proxy</html>' })
  })
})

describe('headers, credentials, fetch', () => {
  it('sends object headers, merges per-call headers over them, and passes credentials', async () => {
    const { api, sent } = client(undefined, { headers: { Authorization: 'Bearer a', 'X-A': '1' }, credentials: 'include' })
    await api.appSessions.linkUser('as1', { headers: { Authorization: 'Bearer user' } })
    await api.appSessions.get('as1')
    expect(sent[0]!.headers).toEqual({ authorization: 'Bearer user', 'x-a': '1' })
    expect(sent[1]!.headers).toEqual({ authorization: 'Bearer a', 'x-a': '1' })
    expect(sent.every((s) => s.init.credentials === 'include')).toBe(true)
  })

  it('calls a headers function once per request (sync or async)', async () => {
    let n = 0
    const { api, sent } = client(undefined, { headers: () => ({ 'X-N': String(++n) }) })
    await api.appSessions.get('a')
    await api.sessions.get('b')
    expect(sent.map((s) => s.headers['x-n'])).toEqual(['1', '2'])

    const b = client(undefined, { headers: async () => ({ 'X-Async': 'yes' }) })
    await b.api.sessions.recordings('s')
    expect(b.sent[0]!.headers['x-async']).toBe('yes')
  })

  it('leaves credentials unset when not configured, and passes keepalive when asked', async () => {
    const { api, sent } = client()
    await api.appSessions.sendLog('a', { time: 1, data: 'x\n', index: 0 }, { keepalive: true })
    await api.appSessions.get('a')
    expect('credentials' in sent[0]!.init).toBe(false)
    expect(sent[0]!.init.keepalive).toBe(true)
    expect('keepalive' in sent[1]!.init).toBe(false)
  })

  it('looks up globalThis.fetch at call time, and calls it unbound', async () => {
    const api = createHornApi({ apiUrl: API })
    const stub = stubFetch(() => json({ id: 'z' }))
    let self: unknown = 'unset'
    vi.stubGlobal('fetch', function (this: unknown, ...args: Parameters<typeof fetch>) {
      self = this
      return stub.fetch(...args)
    })
    try {
      await expect(api.appSessions.register('c', { started: 1, url: 'u' })).resolves.toEqual({ id: 'z' })
      expect(stub.sent[0]!.url).toBe(`${API}/app_sessions/new/c`)
      expect(self).toBeUndefined()
    } finally {
      vi.unstubAllGlobals()
    }
  })
})

describe('errors', () => {
  it('a non-2xx answer is a HornApiError with status, call, JSON body and headers', async () => {
    const { api, responses } = client(() => json({ error: 'not found', code: 'E404' }, 404, { 'retry-after': '3' }))
    const error = (await api.sessions.get('abc', { imgSize: 10 }).catch((e: unknown) => e)) as HornApiError
    expect(error).toBeInstanceOf(HornApiError)
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('HornApiError')
    expect(error.status).toBe(404)
    expect(error.call).toBe('GET /sessions/abc')
    expect(error.body).toEqual({ error: 'not found', code: 'E404' })
    expect(error.headers.get('retry-after')).toBe('3')
    expect(error.message).toBe('GET /sessions/abc failed with status 404')
    expect(responses[0]!.bodyUsed).toBe(true)
  })

  it.each([
    [400, 'bad request', 'bad request'],
    [401, '', ''],
    [403, '{"broken json', '{"broken json'],
    [409, '"duplicate index"', 'duplicate index'],
    [429, 'slow down', 'slow down'],
    [500, '<h1>oops</h1>', '<h1>oops</h1>'],
    [503, '[1,2]', [1, 2]],
  ])('status %i with body %j', async (status, text, body) => {
    const { api, responses } = client(() => new Response(text, { status }))
    const error = await api.appSessions.sendLog('as/1', { time: 1, data: 'x\n', index: 0 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HornApiError)
    expect(error).toMatchObject({ status, body, call: 'POST /app_sessions/as%2F1/logs' })
    expect(responses[0]!.bodyUsed).toBe(true)
  })

  it('a DELETE error names its call', async () => {
    const { api } = client(() => json({ error: 'forbidden' }, 403))
    await expect(api.channels.endSession('c1', 's1')).rejects.toMatchObject({
      status: 403,
      call: 'DELETE /channels/c1/session/s1',
    })
  })

  it('a rejected fetch is a HornNetworkError wrapping the cause', async () => {
    const cause = new TypeError('fetch failed')
    const api = createHornApi({ apiUrl: API, fetch: () => Promise.reject(cause) })
    const error = (await api.appSessions.get('x').catch((e: unknown) => e)) as HornNetworkError
    expect(error).toBeInstanceOf(HornNetworkError)
    expect(error).not.toBeInstanceOf(HornApiError)
    expect(error.name).toBe('HornNetworkError')
    expect(error.call).toBe('GET /app_sessions/x')
    expect(error.cause).toBe(cause)
    expect(error.message).toBe('GET /app_sessions/x failed: fetch failed')
  })
})

// ---------------------------------------------------------------------------
// A real server on 127.0.0.1: connection refused, abort in flight and mid-body.
// ---------------------------------------------------------------------------

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections()
          s.close(() => resolve())
        }),
    ),
  )
})

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('against a real socket', () => {
  it('connection refused is a HornNetworkError with the fetch TypeError as cause', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const api = createHornApi({ apiUrl: `http://127.0.0.1:${port}` })
    const error = (await api.sessions.recordings('s').catch((e: unknown) => e)) as HornNetworkError
    expect(error).toBeInstanceOf(HornNetworkError)
    expect(error.cause).toBeInstanceOf(TypeError)
    expect(error.call).toBe('GET /sessions/s/recordings')
  })

  it('round-trips JSON, text and errors over http', async () => {
    const url = await serve((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c))
      req.on('end', () => {
        if (req.url === '/api/app_sessions/new/c%2Fd') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'x', echo: JSON.parse(body) }))
        } else if (req.url === '/api/app_sessions/x/logs') {
          res.writeHead(200, { 'content-type': 'text/plain' }).end('A\nB\n')
        } else {
          res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'nope', url: req.url }))
        }
      })
    })
    const api = createHornApi({ apiUrl: `${url}/api/` })
    await expect(api.appSessions.register('c/d', { started: 1, url: 'u' })).resolves.toEqual({
      id: 'x',
      echo: { started: 1, url: 'u' },
    })
    await expect(api.appSessions.logs('x')).resolves.toBe('A\nB\n')
    await expect(api.sessions.get('q r')).rejects.toMatchObject({
      status: 404,
      call: 'GET /sessions/q%20r',
      body: { error: 'nope', url: '/api/sessions/q%20r' },
    })
  })
})

describe('abort', () => {
  it('an already aborted signal rejects with its reason, without a request', async () => {
    const { api, mock } = client()
    const controller = new AbortController()
    controller.abort()
    const error = await api.appSessions.get('a', { signal: controller.signal }).catch((e: unknown) => e)
    expect(error).toBe(controller.signal.reason)
    expect((error as DOMException).name).toBe('AbortError')
    expect(mock).not.toHaveBeenCalled()
  })

  it('aborting while the server has not answered rejects with AbortError, not HornApiError', async () => {
    let arrived!: () => void
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve))
    const url = await serve(() => arrived()) // never answers
    const api = createHornApi({ apiUrl: url })
    const controller = new AbortController()
    const pending = api.sessions.list({ channel: 'c' }, { signal: controller.signal })
    await requestArrived
    controller.abort()
    const error = await pending.catch((e: unknown) => e)
    expect(error).toBe(controller.signal.reason)
    expect((error as DOMException).name).toBe('AbortError')
    expect(error).not.toBeInstanceOf(HornApiError)
    expect(error).not.toBeInstanceOf(HornNetworkError)
  })

  it('aborting while the body streams rejects with the custom reason', async () => {
    let headersSent!: () => void
    const sentHeaders = new Promise<void>((resolve) => (headersSent = resolve))
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.write('partial log line', () => headersSent()) // and never ends
    })
    const api = createHornApi({ apiUrl: url })
    const controller = new AbortController()
    const reason = new Error('user closed the panel')
    const pending = api.appSessions.logs('a', { signal: controller.signal })
    await sentHeaders
    controller.abort(reason)
    await expect(pending).rejects.toBe(reason)
  })

  it('aborting while a headers function is pending rejects with the reason, without a request', async () => {
    const controller = new AbortController()
    const { api, mock } = client(undefined, {
      headers: async () => {
        controller.abort()
        return {}
      },
    })
    await expect(api.appSessions.get('a', { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' })
    expect(mock).not.toHaveBeenCalled()
  })

  it('passes the signal to fetch on every call', async () => {
    const { api, sent } = client(() => json({ total: 0, results: [] }))
    const { signal } = new AbortController()
    await api.appSessions.register('c', { started: 1, url: 'u' }, { signal })
    await api.appSessions.sendLog('a', { time: 1, data: '' }, { signal })
    await api.appSessions.linkUser('a', { signal })
    await api.appSessions.get('a', { signal })
    await api.appSessions.logs('a', { signal })
    await api.appSessions.query({}, { signal })
    await collect(api.appSessions.all({}, { signal }))
    await api.sessions.get('s', undefined, { signal })
    await api.sessions.participants('s', undefined, { signal })
    await api.sessions.recordings('s', { signal })
    await api.sessions.list(undefined, { signal })
    await collect(api.sessions.all(undefined, { signal }))
    await api.channels.participants('c', undefined, { signal })
    await collect(api.channels.allParticipants('c', undefined, { signal }))
    await api.channels.endSession('c', undefined, { signal })
    expect(sent).toHaveLength(15)
    expect(sent.every((s) => s.init.signal === signal)).toBe(true)
  })
})

// ---------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------

/** A list endpoint over `items` whose total may change: `total(callNumber)`; at most `maxCalls` requests. */
function pagedFetch(items: number[], total: (call: number) => number = () => items.length, maxCalls = 50) {
  let calls = 0
  return stubFetch((sent) => {
    if (++calls > maxCalls) throw new Error('too many page requests')
    const q = new URL(sent.url).searchParams
    const offset = Number(q.get('offset'))
    const limit = Number(q.get('limit'))
    const t = total(calls)
    const page: Page<{ id: number }> = {
      total: t,
      results: items.slice(offset, Math.min(offset + limit, t)).map((id) => ({ id })),
    }
    return json(page)
  })
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i)
const pageParams = (sent: Sent[]) =>
  sent.map((s) => {
    const q = new URL(s.url).searchParams
    return [Number(q.get('offset')), Number(q.get('limit'))]
  })

describe('pagination', () => {
  it('empty: one request, nothing yielded', async () => {
    const stub = pagedFetch([])
    const api = createHornApi({ apiUrl: API, fetch: stub.fetch })
    await expect(collect(api.sessions.all({ channel: 'c' }))).resolves.toEqual([])
    expect(pageParams(stub.sent)).toEqual([[0, 100]])
  })

  it('exactly one full page: stops at total without a second request', async () => {
    const stub = pagedFetch(range(5))
    const api = createHornApi({ apiUrl: API, fetch: stub.fetch })
    const got = await collect(api.appSessions.all({ user: 'u', pageSize: 5 }))
    expect(got.map((x) => (x as unknown as { id: number }).id)).toEqual(range(5))
    expect(pageParams(stub.sent)).toEqual([[0, 5]])
    expect(new URL(stub.sent[0]!.url).searchParams.get('user')).toBe('u')
  })

  it('several pages, the last one short, filters on every page', async () => {
    const stub = pagedFetch(range(23))
    const api = createHornApi({ apiUrl: API, fetch: stub.fetch })
    const got = await collect(api.channels.allParticipants('ch 1', { search: 'a', imgSize: 32, pageSize: 10 }))
    expect(got.map((p) => p.id)).toEqual(range(23))
    expect(pageParams(stub.sent)).toEqual([
      [0, 10],
      [10, 10],
      [20, 10],
    ])
    for (const s of stub.sent) {
      expect(s.url.startsWith(`${API}/channels/ch%201/participants?`)).toBe(true)
      const q = new URL(s.url).searchParams
      expect([q.get('search'), q.get('imgSize')]).toEqual(['a', '32'])
    }
  })

  it('starts at the given offset', async () => {
    const stub = pagedFetch(range(7))
    const api = createHornApi({ apiUrl: API, fetch: stub.fetch })
    const got = await collect(api.sessions.all({ offset: 3, pageSize: 2 }))
    expect(got.map((s) => (s as unknown as { id: number }).id)).toEqual([3, 4, 5, 6])
    expect(pageParams(stub.sent)).toEqual([
      [3, 2],
      [5, 2],
    ])
  })

  it('a server that caps the page size: advances by what came back', async () => {
    const items = range(7)
    let calls = 0
    const stub = stubFetch((sent) => {
      if (++calls > 20) throw new Error('too many page requests')
      const offset = Number(new URL(sent.url).searchParams.get('offset'))
      return json({ total: items.length, results: items.slice(offset, offset + 3).map((id) => ({ id })) })
    })
    const api = createHornApi({ apiUrl: API, fetch: stub.fetch })
    const got = await collect(api.sessions.all({ pageSize: 100 }))
    expect(got).toHaveLength(7)
    expect(pageParams(stub.sent).map(([o]) => o)).toEqual([0, 3, 6])
  })

  it('total growing between pages: re-read, the walk goes on', async () => {
    const items = range(30)
    const stub = pagedFetch(items, (call) => (call === 1 ? 10 : 25))
    const api = createHornApi({ apiUrl: API, fetch: stub.fetch })
    const got = await collect(api.sessions.all({ pageSize: 10 }))
    // The first page says 10, so the walk stops there: it does not guess.
    expect(got).toHaveLength(10)

    const stub2 = pagedFetch(items, (call) => (call === 1 ? 15 : 25))
    const api2 = createHornApi({ apiUrl: API, fetch: stub2.fetch })
    const got2 = await collect(api2.sessions.all({ pageSize: 10 }))
    expect(got2.map((s) => (s as unknown as { id: number }).id)).toEqual(range(25))
    expect(pageParams(stub2.sent).map(([o]) => o)).toEqual([0, 10, 20])
  })

  it('total shrinking between pages: stops at the new total', async () => {
    const stub = pagedFetch(range(50), (call) => (call === 1 ? 50 : 12))
    const api = createHornApi({ apiUrl: API, fetch: stub.fetch })
    const got = await collect(api.sessions.all({ pageSize: 10 }))
    expect(got.map((s) => (s as unknown as { id: number }).id)).toEqual(range(12))
    expect(stub.sent).toHaveLength(2)
  })

  it('an empty page ends the walk even while total says more', async () => {
    let calls = 0
    const stub = stubFetch((sent) => {
      if (++calls > 20) throw new Error('too many page requests')
      const offset = Number(new URL(sent.url).searchParams.get('offset'))
      return json({ total: 1000, results: offset < 4 ? [{ id: offset }, { id: offset + 1 }] : [] })
    })
    const api = createHornApi({ apiUrl: API, fetch: stub.fetch })
    const got = await collect(api.appSessions.all({ pageSize: 2 }))
    expect(got).toHaveLength(4)
    expect(stub.sent).toHaveLength(3)
  })

  it('fetches lazily: breaking out early makes no more requests', async () => {
    const stub = pagedFetch(range(100))
    const api = createHornApi({ apiUrl: API, fetch: stub.fetch })
    for await (const s of api.sessions.all({ pageSize: 10 })) {
      if ((s as unknown as { id: number }).id === 12) break
    }
    expect(stub.sent).toHaveLength(2)
  })

  it('an error on a later page rejects the iteration with it', async () => {
    let calls = 0
    const stub = stubFetch(() =>
      ++calls === 1 ? json({ total: 4, results: [{ id: 0 }, { id: 1 }] }) : json({ error: 'boom' }, 500),
    )
    const api = createHornApi({ apiUrl: API, fetch: stub.fetch })
    const seen: unknown[] = []
    const error = await (async () => {
      for await (const s of api.sessions.all({ pageSize: 2 })) seen.push(s)
    })().catch((e: unknown) => e)
    expect(seen).toHaveLength(2)
    expect(error).toMatchObject({ status: 500, call: 'GET /sessions', body: { error: 'boom' } })
  })

  it('aborting between pages rejects with the reason', async () => {
    const stub = pagedFetch(range(30))
    const api = createHornApi({ apiUrl: API, fetch: stub.fetch })
    const controller = new AbortController()
    const error = await (async () => {
      for await (const s of api.sessions.all({ pageSize: 10 }, { signal: controller.signal })) {
        if ((s as unknown as { id: number }).id === 9) controller.abort()
      }
    })().catch((e: unknown) => e)
    expect((error as DOMException).name).toBe('AbortError')
    expect(stub.sent).toHaveLength(1)
  })
})

describe('bundle separation', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url))

  it('no agent source imports the api module', () => {
    for (const file of readdirSync(`${root}src`, { recursive: true }) as string[]) {
      // The reading tools (src/read/, Node only) are built on the client; no agent entry imports them.
      if (!/\.ts$/.test(file) || file === 'api.ts' || file.startsWith('api/') || file.startsWith('read/')) continue
      const text = readFileSync(`${root}src/${file}`, 'utf8')
      expect(text, file).not.toMatch(/from\s+['"][./]*api(\.ts|\/[^'"]*)?['"]/)
      expect(text, file).not.toMatch(/from\s+['"][./]*read(\/[^'"]*)?['"]/)
    }
  })

  // `npm test` builds first: a missing bundle is a failure here, not a silent pass.
  it('the script-tag build holds none of the client', () => {
    expect(existsSync(`${root}dist/horn-logger.min.js`), 'dist/horn-logger.min.js (run npm run build)').toBe(true)
    const text = readFileSync(`${root}dist/horn-logger.min.js`, 'utf8')
    for (const marker of ['allParticipants', 'HornApiError', 'HornNetworkError', 'channelsSessions', 'recordings']) {
      expect(text).not.toContain(marker)
    }
  })
})
