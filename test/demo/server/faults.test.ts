// The reference Horn server (demo/server.mjs), driven over real HTTP on 127.0.0.1. Fault injection: the in-process controls and the /_control routes.
import { beforeEach, describe, expect, it } from 'vitest'
import { T0, auth, ctx, use, expectError } from './harness'

describe('fault injection', () => {
  beforeEach(() => use({ faultControls: true }))

  it('serves /_control/* only with faultControls (--fault-controls); the in-process controls work either way', async () => {
    await use()
    for (const [method, p] of [['GET', '/_control'], ['POST', '/_control/logs-down?seconds=5'], ['POST', '/_control/reset'], ['POST', '/_control/config?failRate=1']]) {
      expectError(await ctx.call(method, p), 404)
    }
    const id = await ctx.register()
    ctx.horn.controls.logsDown(5)
    expectError(await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' }), 503)
  })

  it('refuses a control call from a page on an origin CORS does not allow (a no-cors form post)', async () => {
    const r = await ctx.call('POST', '/_control/reset', { headers: { Origin: 'https://evil.example' } })
    expectError(r, 403)
    expectError(await ctx.call('POST', '/_control/reset', { headers: { Origin: 'null' } }), 403)
    expect((await ctx.call('POST', '/_control/reset', { headers: { Origin: ctx.url } })).status).toBe(200)
  })

  it("lets the server's own pages call the control routes even when CORS allows only another origin", async () => {
    await use({ faultControls: true, corsOrigin: 'https://app.example' })
    expect((await ctx.call('POST', '/_control/logs-down?seconds=1', { headers: { Origin: ctx.url } })).status).toBe(200)
    expectError(await ctx.call('POST', '/_control/logs-down?seconds=1', { headers: { Origin: 'http://127.0.0.1:1' } }), 403)
  })

  it('controls.logsDown(N) answers 503 with Retry-After on the logs endpoint only, for N seconds', async () => {
    const id = await ctx.register()
    expect(ctx.horn.controls.logsDown(30)).toBe(T0 + 30_000)
    const down = await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' })
    expectError(down, 503)
    expect(down.headers.get('retry-after')).toBe('30')
    expect(ctx.horn.state.batches(id)).toEqual([])
    expect((await ctx.call('GET', `/app_sessions/${id}/logs`)).status).toBe(200)
    expect(await ctx.register()).toBeTypeOf('string')
    ctx.clock.now += 29_500
    expect((await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' })).headers.get('retry-after')).toBe('1')
    ctx.clock.now += 500
    expect((await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' })).status).toBe(200)
  })

  it('POST /_control/logs-down?seconds=N does the same over HTTP; 0 brings it back', async () => {
    const id = await ctx.register()
    const r = await ctx.call('POST', '/_control/logs-down?seconds=10')
    expect(r.json).toMatchObject({ logsDown: true, logsDownUntil: T0 + 10_000 })
    expect((await ctx.call('GET', '/_control')).json.logsDown).toBe(true)
    expect((await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' })).status).toBe(503)
    expect((await ctx.call('POST', '/_control/logs-down?seconds=0')).json.logsDown).toBe(false)
    expect((await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' })).status).toBe(200)
    for (const q of ['', '?seconds=soon', '?seconds=-1', '?seconds=999999']) expectError(await ctx.call('POST', `/_control/logs-down${q}`), 400)
  })

  it('failRate answers that share of POST /app_sessions/... with 503, never reads', async () => {
    let draw = 0.1
    await use({ random: () => draw, faultControls: true })
    const id = await ctx.register()
    ctx.horn.controls.setFailRate(0.5)
    expectError(await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' }), 503)
    expectError(await ctx.call('POST', '/app_sessions/new/x', { body: { started: 1, url: 'u' } }), 503)
    expect((await ctx.call('GET', `/app_sessions/${id}`)).status).toBe(200)
    draw = 0.9
    expect((await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' })).status).toBe(200)
    expect(ctx.horn.state.appSessions()).toHaveLength(1)
    expect(() => ctx.horn.controls.setFailRate(2)).toThrow(RangeError)
  })

  it('POST /_control/config sets failRate and latencyMs; reset clears them and the data', async () => {
    await ctx.register()
    expect((await ctx.call('POST', '/_control/config?failRate=0.25&latencyMs=5')).json).toMatchObject({ failRate: 0.25, latencyMs: 5 })
    expect(ctx.horn.state.settings).toMatchObject({ failRate: 0.25, latencyMs: 5 })
    expectError(await ctx.call('POST', '/_control/config?failRate=1.5'), 400)
    expectError(await ctx.call('POST', '/_control/config?latencyMs=fast'), 400)
    expect((await ctx.call('POST', '/_control/reset')).json).toMatchObject({ failRate: 0, latencyMs: 0, logsDown: false })
    expect(ctx.horn.state.appSessions()).toEqual([])
  })

  it('latencyMs delays API answers (a lower bound only)', async () => {
    ctx.horn.controls.setLatency(60)
    const t = performance.now()
    expect((await ctx.call('GET', '/sessions/sess_blue_01')).status).toBe(200)
    expect(performance.now() - t).toBeGreaterThanOrEqual(55)
  })

  it('onLogs can answer a status (stored nothing) or delay, per app session and index', async () => {
    const seen: { appSessionId: string; index: number | undefined; auth: string | undefined }[] = []
    let failIndex1 = 1
    await use({
      faultControls: true,
      onLogs: (req: { headers: Record<string, string> }, info: { appSessionId: string; index: number | undefined }) => {
        seen.push({ ...info, auth: req.headers.authorization })
        if (info.index === 1 && failIndex1-- > 0) return { status: 503 }
        if (info.index === 2) return { status: 429, headers: { 'Retry-After': '7' } }
        if (info.index === 3) return { delayMs: 20 }
        return undefined
      },
    })
    const id = await ctx.register()
    expect((await ctx.sendLog(id, { index: 0, time: 1, data: 'a\n' })).status).toBe(200)
    expectError(await ctx.sendLog(id, { index: 1, time: 1, data: 'b\n' }), 503)
    expect((await ctx.sendLog(id, { index: 1, time: 1, data: 'b\n' })).status).toBe(200)
    const limited = await ctx.sendLog(id, { index: 2, time: 1, data: 'c\n' })
    expectError(limited, 429)
    expect(limited.headers.get('retry-after')).toBe('7')
    expect((await ctx.sendLog(id, { index: 3, time: 1, data: 'd\n' })).status).toBe(200)
    expect(ctx.horn.state.logs(id)).toBe('a\nb\nd\n')
    expect(seen.map((s) => s.index)).toEqual([0, 1, 1, 2, 3])
    expect(seen[0].appSessionId).toBe(id)
    // Bad input and unknown ids are refused before the hook sees them.
    await ctx.sendLog(id, { index: 'x', time: 1, data: 'x' })
    await ctx.sendLog('nope', { index: 9, time: 1, data: 'x' })
    expect(seen).toHaveLength(5)
  })

  it('a throwing onLogs hook is a 500, and the server keeps serving', async () => {
    await use({
      onLogs: () => {
        throw new Error('hook bug')
      },
    })
    const id = await ctx.register()
    expectError(await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' }), 500)
    expect(ctx.logged.some((l) => l.includes('hook bug'))).toBe(true)
    expect((await ctx.call('GET', `/app_sessions/${id}`)).status).toBe(200)
  })
})
