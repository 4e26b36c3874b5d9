// The reference Horn server (demo/server.mjs), driven over real HTTP on 127.0.0.1. Access: bearer tokens, who reads what, and CORS.
import { beforeEach, describe, expect, it } from 'vitest'
import { BLUE, TOWN, HELP, auth, ctx, use, expectError } from './harness'

describe('access: every read needs a token, and sees only what the caller may', () => {
  let ids: Record<string, string>
  beforeEach(async () => {
    await use()
    ids = {
      blue: await ctx.register({ channel: BLUE }), // alice owns Blue, bob operates it
      help: await ctx.register({ channel: HELP }, 'support-widget'), // dave hosts Support Desk
      none: await ctx.register(), // no channel
      carols: await ctx.register(), // linked to carol below
    }
    await ctx.call('POST', `/app_sessions/${ids.carols}/link/user`, { headers: auth('carol') })
  })
  const visible = async (who: string) => {
    const r = await ctx.call('GET', '/app_sessions?limit=100', { headers: auth(who) })
    expect(r.status, r.text).toBe(200)
    return (r.json.results as { id: string }[]).map((a) => Object.entries(ids).find(([, v]) => v === a.id)?.[0]).sort()
  }

  it('answers 401 to app session reads without a token or with an unknown one', async () => {
    for (const p of ['/app_sessions', `/app_sessions/${ids.blue}`, `/app_sessions/${ids.blue}/logs`]) {
      const r = await ctx.call('GET', p, { headers: {} })
      expectError(r, 401)
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/)
      expectError(await ctx.call('GET', p, { headers: { Authorization: 'Bearer demo-mallory' } }), 401)
    }
  })

  it('lists the app sessions linked to the caller and those of channels the caller operates; support staff see all', async () => {
    expect(await visible('alice')).toEqual(['blue'])
    expect(await visible('bob')).toEqual(['blue'])
    expect(await visible('dave')).toEqual(['help'])
    expect(await visible('carol')).toEqual(['carols']) // a participant everywhere: only her own
    expect(await visible('support')).toEqual(['blue', 'carols', 'help', 'none'])
    // Filters narrow within what the caller sees, and total counts only that.
    expect((await ctx.call('GET', `/app_sessions?channel=${HELP}`, { headers: auth('alice') })).json).toEqual({ total: 0, results: [] })
  })

  it("answers 404 for another's app session and its log, as for an unknown id", async () => {
    await ctx.sendLog(ids.help, { index: 0, time: 1, data: 'secret\n' })
    const one = await ctx.call('GET', `/app_sessions/${ids.help}`, { headers: auth('alice') })
    const log = await ctx.call('GET', `/app_sessions/${ids.help}/logs`, { headers: auth('alice') })
    expect(expectError(one, 404)).toBe(`unknown app session "${ids.help}"`)
    expectError(log, 404)
    expect(log.text).not.toContain('secret')
    expect((await ctx.call('GET', `/app_sessions/${ids.help}/logs`, { headers: auth('dave') })).text).toBe('secret\n')
    expect((await ctx.call('GET', `/app_sessions/${ids.carols}`, { headers: auth('carol') })).status).toBe(200)
  })

  it('linking a user makes the app session theirs to read', async () => {
    expectError(await ctx.call('GET', `/app_sessions/${ids.none}`, { headers: auth('carol') }), 404)
    await ctx.call('POST', `/app_sessions/${ids.none}/link/user`, { headers: auth('carol') })
    expect((await ctx.call('GET', `/app_sessions/${ids.none}`, { headers: auth('carol') })).status).toBe(200)
  })

  it.each([
    ['/sessions/sess_blue_01', 'carol'],
    ['/sessions/sess_blue_01/participants', 'dave'],
    ['/sessions/sess_blue_01/recordings', 'support'],
    ['/sessions/sess_help_01', 'alice'],
    [`/channels/${BLUE}/participants`, 'dave'],
    [`/channels/${HELP}/participants`, 'alice'],
  ])('GET %s: 401 without a token, 403 for %s (not an operator of its channel)', async (p, who) => {
    expectError(await ctx.call('GET', p, { headers: {} }), 401)
    expect(expectError(await ctx.call('GET', p, { headers: auth(who) }), 403)).toMatch(/operator/)
  })

  it('lets an operator of the channel read its sessions and participants', async () => {
    expect((await ctx.call('GET', '/sessions/sess_blue_01', { headers: auth('bob') })).status).toBe(200)
    expect((await ctx.call('GET', '/sessions/sess_help_01/recordings', { headers: auth('dave') })).status).toBe(200)
    expect((await ctx.call('GET', `/channels/${TOWN}/participants`, { headers: auth('alice') })).status).toBe(200)
  })

  it("the agent's three calls need no user token (link/user authenticates whoever it links)", async () => {
    const r = await ctx.call('POST', '/app_sessions/new/conference-ui', { body: { started: 1, url: 'u' } })
    expect(r.status).toBe(200)
    expect((await ctx.sendLog(r.json.id, { index: 0, time: 1, data: 'x\n' })).status).toBe(200)
    expect((await ctx.call('POST', `/app_sessions/${r.json.id}/link/user`, { headers: auth('bob') })).status).toBe(200)
  })
})

describe('CORS', () => {
  const preflight = (origin: string) =>
    fetch(ctx.url + '/app_sessions/new/x', {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,authorization' },
    })

  it('answers preflights from loopback origins by default, with credentials', async () => {
    await use()
    for (const origin of ['http://127.0.0.1:5173', 'http://localhost:8787', 'http://[::1]:3000']) {
      const r = await preflight(origin)
      expect(r.status).toBe(204)
      expect(r.headers.get('access-control-allow-origin')).toBe(origin)
      expect(r.headers.get('access-control-allow-credentials')).toBe('true')
      expect(r.headers.get('access-control-allow-methods')).toContain('POST')
      expect(r.headers.get('access-control-allow-methods')).toContain('DELETE')
      expect(r.headers.get('access-control-allow-headers')).toBe('Content-Type, Authorization')
    }
    const r = await fetch(ctx.url + '/sessions/sess_blue_01', { headers: { Origin: 'http://localhost:8787' } })
    expect(r.headers.get('access-control-allow-origin')).toBe('http://localhost:8787')
    expect(r.headers.get('access-control-expose-headers')).toContain('Retry-After')
    expect(r.headers.get('vary')).toBe('Origin')
  })

  it("answers Chrome's Private Network Access preflight for an allowed origin", async () => {
    await use({ corsOrigin: 'https://app.example' })
    const r = await fetch(ctx.url + '/app_sessions/new/x', {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Private-Network': 'true' },
    })
    expect(r.headers.get('access-control-allow-private-network')).toBe('true')
  })

  it('gives other origins no Allow-* headers', async () => {
    await use()
    const r = await preflight('https://evil.example')
    expect(r.status).toBe(204)
    expect(r.headers.get('access-control-allow-origin')).toBeNull()
    expect(r.headers.get('access-control-allow-headers')).toBeNull()
  })

  it('allows exactly the configured origin(s); "*" is a literal * without credentials', async () => {
    await use({ corsOrigin: 'https://app.example' })
    expect((await preflight('https://app.example')).headers.get('access-control-allow-origin')).toBe('https://app.example')
    expect((await preflight('http://127.0.0.1:5173')).headers.get('access-control-allow-origin')).toBeNull()
    await use({ corsOrigin: '*' })
    const any = await preflight('https://any.example')
    expect(any.headers.get('access-control-allow-origin')).toBe('*')
    expect(any.headers.get('access-control-allow-credentials')).toBeNull()
  })

  it('never allows the null origin, whatever is configured', async () => {
    for (const corsOrigin of [undefined, '*', ['null', 'https://app.example'], () => true]) {
      await use({ corsOrigin })
      const r = await preflight('null')
      expect(r.headers.get('access-control-allow-origin'), String(corsOrigin)).toBeNull()
      expect(r.headers.get('access-control-allow-headers')).toBeNull()
    }
  })
})
