// The reference Horn server (demo/server.mjs), driven over real HTTP on 127.0.0.1. Routing, static files (and their CSP), robustness, and bounds on bad input.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { BLUE, auth, JSON_TYPE, ctx, use, expectError } from './harness'

describe('routing, static files and robustness', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'horn-demo-static-'))
    await mkdir(path.join(dir, 'public', 'app_sessions'), { recursive: true })
    await mkdir(path.join(dir, 'dist'))
    await writeFile(path.join(dir, 'public', 'index.html'), '<h1>demo</h1>')
    await writeFile(path.join(dir, 'public', 'app.css'), 'body{}')
    await writeFile(path.join(dir, 'public', 'app_sessions', 'x.txt'), 'shadowed')
    await writeFile(path.join(dir, 'dist', 'horn-logger.min.js'), 'window.HornLogger={}')
    await writeFile(path.join(dir, 'secret.txt'), 'TOP-SECRET')
    await use({ publicDir: path.join(dir, 'public'), distDir: path.join(dir, 'dist') })
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('serves demo/public at / and dist/ at /dist/', async () => {
    const index = await ctx.call('GET', '/')
    expect([index.status, index.text, index.headers.get('content-type')]).toEqual([200, '<h1>demo</h1>', 'text/html; charset=utf-8'])
    expect((await ctx.call('GET', '/app.css')).headers.get('content-type')).toBe('text/css; charset=utf-8')
    const js = await ctx.call('GET', '/dist/horn-logger.min.js')
    expect([js.status, js.text, js.headers.get('content-type')]).toEqual([200, 'window.HornLogger={}', 'text/javascript; charset=utf-8'])
    const head = await fetch(ctx.url + '/dist/horn-logger.min.js', { method: 'HEAD' })
    expect([head.status, head.headers.get('content-length')]).toEqual([200, '20'])
  })

  it('answers 404 for missing files (with a build hint under /dist) and refuses traversal', async () => {
    expect((await ctx.call('GET', '/dist/nope.js')).text).toContain('npm run build')
    // Raw paths via node:http: fetch would normalize `..` away before sending.
    const raw = (p: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        http.get(ctx.url + '/', { path: p }, (res) => {
          let text = ''
          res.on('data', (d) => (text += d))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
        }).on('error', reject)
      })
    for (const p of ['/nope.html', '/../secret.txt', '/dist/../secret.txt', '/dist/../../demo/secret.txt', '/%2e%2e/secret.txt', '/dist/..%2fsecret.txt', '/dist/%2e%2e%2fsecret.txt', '/a%00b']) {
      const r = await raw(p)
      expect(r.status, p).toBe(404)
      expect(r.text).not.toContain('TOP-SECRET')
    }
    expect((await ctx.call('POST', '/index.html')).status).toBe(405)
  })

  it('keeps API paths from colliding with static files', async () => {
    expectError(await ctx.call('GET', '/app_sessions/x.txt'), 404) // an API 404, not the file
    expectError(await ctx.call('GET', '/sessions/sess_blue_01/nope'), 404)
    expectError(await ctx.call('GET', '/channels'), 404)
  })

  it('answers 405 with Allow for a wrong method on an API path', async () => {
    const r = await ctx.call('PUT', '/sessions/sess_blue_01')
    expectError(r, 405)
    expect(r.headers.get('allow')).toBe('GET, OPTIONS')
    const getNew = await ctx.call('GET', '/app_sessions/new/x')
    expect([getNew.status, getNew.headers.get('allow')]).toEqual([405, 'POST, OPTIONS'])
    expect((await ctx.call('DELETE', '/app_sessions')).headers.get('allow')).toBe('GET, OPTIONS')
  })

  it('answers 400 to a malformed path and to garbage HTTP, and keeps serving', async () => {
    expectError(await ctx.call('GET', '/sessions/%E0%A4%A'), 400)
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(new URL(ctx.url).port), '127.0.0.1', () => socket.write('NONSENSE \x01\r\n\r\n'))
      let data = ''
      socket.on('data', (d) => (data += d))
      socket.on('end', () => resolve(data))
      socket.on('error', reject)
      socket.setTimeout(5000, () => reject(new Error('no reply')))
    })
    expect(reply).toMatch(/^HTTP\/1\.1 400/)
    expect((await ctx.call('GET', '/sessions/sess_blue_01')).status).toBe(200)
  })

  it('serves the demo users and their avatars', async () => {
    const users = (await ctx.call('GET', '/_demo/users')).json
    expect(users.map((u: { handle: string; token: string; support: boolean }) => [u.handle, u.token, u.support])).toEqual([
      ['alice', 'demo-alice', false], ['bob', 'demo-bob', false], ['carol', 'demo-carol', false], ['dave', 'demo-dave', false], ['sam', 'demo-support', true],
    ])
    expect((await ctx.call('GET', '/_demo/channels')).json.map((c: { name: string }) => c.name)).toEqual(['Blue Room', 'Town Hall', 'Support Desk'])
    const svg = await ctx.call('GET', '/_demo/image/person/1001.svg?size=32')
    expect(svg.headers.get('content-type')).toBe('image/svg+xml')
    expect(svg.text).toMatch(/^<svg[^>]*width="32"[\s\S]*>AL</)
    expect((await ctx.call('GET', '/_demo/image/session/sess_town_01.svg')).text).toContain('>AH<') // All-hands November
    expectError(await ctx.call('GET', '/_demo/image/other/1.svg'), 404)
  })
})

describe('bounds and bad input', () => {
  it('answers 400 to JSON nested deeper than 8 levels, counting only outside strings', async () => {
    await use()
    const id = await ctx.register()
    const deep = `{"time":1,"index":0,"data":"x\\n","extra":${'['.repeat(8)}1${']'.repeat(8)}}`
    expect(expectError(await ctx.call('POST', `/app_sessions/${id}/logs`, { body: deep }), 400)).toMatch(/nests deeper than 8/)
    const inString = JSON.stringify({ time: 1, index: 0, data: `${'[{'.repeat(50)}"\\\n` })
    expect((await ctx.call('POST', `/app_sessions/${id}/logs`, { body: inString })).status).toBe(200)
    expect(ctx.horn.state.logs(id)).toBe(`${'[{'.repeat(50)}"\\\n`)
    expectError(await ctx.call('POST', '/app_sessions/new/x', { body: `{"started":1,"url":"u","c":${'{"a":'.repeat(9)}1${'}'.repeat(9)}}` }), 400)
  })

  it('survives a few hundred oversized and deeply nested bodies, and keeps answering the others', async () => {
    await use()
    const id = await ctx.register()
    const oversized = JSON.stringify({ time: 1, index: 0, data: 'x'.repeat(300 * 1024) })
    const nested = `{"time":1,"index":0,"data":${'['.repeat(60_000)}${']'.repeat(60_000)}}` // 120 KB: also over the limit
    const nestedSmall = `{"time":1,"index":0,"data":"x","n":${'['.repeat(30_000)}${']'.repeat(30_000)}}` // 60 KB: under it
    const statuses = new Map<number, number>()
    let good = 0
    const ROUNDS = 50
    for (let round = 0; round < ROUNDS; round++) {
      const answers = await Promise.all([
        ctx.call('POST', `/app_sessions/${id}/logs`, { body: oversized }),
        ctx.call('POST', `/app_sessions/${id}/logs`, { body: nested }),
        ctx.call('POST', `/app_sessions/${id}/logs`, { body: nestedSmall }),
        ctx.call('POST', `/app_sessions/${id}/logs`, { body: nestedSmall }),
        ctx.call('POST', '/app_sessions/new/x', { body: nestedSmall }),
        ctx.sendLog(id, { time: 1, index: round, data: `ok ${round}\n` }),
      ])
      for (const a of answers.slice(0, 5)) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1)
      if (answers[5].status === 200) good++
    }
    expect(Object.fromEntries(statuses)).toEqual({ 413: 2 * ROUNDS, 400: 3 * ROUNDS })
    expect(good).toBe(ROUNDS)
    expect(ctx.horn.state.batches(id)).toHaveLength(ROUNDS)
    expect(ctx.horn.state.appSessions()).toHaveLength(1)
    expect((await ctx.call('GET', `/app_sessions/${id}/logs`)).text.split('\n')).toHaveLength(ROUNDS + 1)
  })

  it('answers 507 (with Retry-After) past the per app session quota; other app sessions and retries still pass', async () => {
    await use({ appSessionQuota: 2000 })
    const a = await ctx.register()
    const b = await ctx.register()
    const line = 'x'.repeat(600)
    for (let i = 0; i < 2; i++) expect((await ctx.sendLog(a, { time: 1, index: i, data: line })).status).toBe(200)
    const full = await ctx.sendLog(a, { time: 1, index: 2, data: line })
    expect(expectError(full, 507)).toMatch(/quota of 2000 bytes/)
    expect(full.headers.get('retry-after')).toBe('60')
    expect((await ctx.sendLog(a, { time: 1, index: 1, data: line })).json).toEqual({ index: 1, duplicate: true }) // a retry of what it holds
    expect((await ctx.sendLog(b, { time: 1, index: 0, data: line })).status).toBe(200)
    expect(ctx.horn.state.batches(a)).toHaveLength(2)
  })

  it('answers 507 past the total quota, to registrations and batches alike, and frees it on reset', async () => {
    await use({ totalQuota: 3000 })
    const a = await ctx.register()
    expect((await ctx.sendLog(a, { time: 1, index: 0, data: 'x'.repeat(2000) })).status).toBe(200)
    expect(expectError(await ctx.sendLog(a, { time: 1, index: 1, data: 'x'.repeat(800) }), 507)).toMatch(/the store holds its quota/)
    let refused = 0
    for (let i = 0; i < 10; i++) if ((await ctx.call('POST', '/app_sessions/new/x', { body: { started: 1, url: 'u'.repeat(100) } })).status === 507) refused++
    expect(refused).toBeGreaterThan(0)
    expect(ctx.horn.state.usage().totalBytes).toBeLessThanOrEqual(3000)
    ctx.horn.controls.reset()
    expect(await ctx.register()).toBeTypeOf('string')
  })

  it('answers 415 to a body that is not declared JSON (a cross-site form or no-cors request), on every call that takes one', async () => {
    await use()
    const id = await ctx.register()
    const body = JSON.stringify({ time: 1, index: 0, data: 'x\n' })
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp']) {
      expectError(await ctx.call('POST', `/app_sessions/${id}/logs`, { body, headers: { 'Content-Type': type } }), 415)
      expectError(await ctx.call('POST', '/app_sessions/new/x', { body: '{"started":1,"url":"u"}', headers: { 'Content-Type': type } }), 415)
    }
    // fetch() without a type sends a string body as text/plain: refused too.
    expect((await fetch(`${ctx.url}/app_sessions/${id}/logs`, { method: 'POST', body })).status).toBe(415)
    expect(ctx.horn.state.batches(id)).toEqual([])
    expect((await ctx.call('POST', `/app_sessions/${id}/logs`, { body, headers: { 'Content-Type': 'Application/JSON; charset=utf-8' } })).status).toBe(200)
  })

  it('takes bodiless calls without a type (the agent links a user with no body), but not a body smuggled into them', async () => {
    await use()
    const id = await ctx.register()
    expect((await fetch(`${ctx.url}/app_sessions/${id}/link/user`, { method: 'POST', headers: auth('alice') })).status).toBe(200)
    expect((await fetch(`${ctx.url}/app_sessions/${id}/link/user`, { method: 'POST', headers: { ...JSON_TYPE, ...auth('bob') } })).status).toBe(200)
    expectError(await ctx.call('POST', `/app_sessions/${id}/link/user`, { body: 'x=1', headers: { ...auth('carol'), 'Content-Type': 'text/plain' } }), 415)
    expect((await fetch(`${ctx.url}/channels/${BLUE}/session`, { method: 'DELETE', headers: auth('alice') })).status).toBe(200)
    expect(ctx.horn.state.appSession(id).users.map((u: { handle: string }) => u.handle)).toEqual(['alice', 'bob'])
  })
})
