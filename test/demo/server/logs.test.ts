// The reference Horn server (demo/server.mjs), driven over real HTTP on 127.0.0.1. Logs: exactly-once batches by index, reading a log back, and the body size limit.
import { beforeEach, describe, expect, it } from 'vitest'
import { T0, ctx, use, expectError } from './harness'

describe('POST and GET /app_sessions/{id}/logs', () => {
  beforeEach(() => use())

  it('answers the data of every batch in index order, as text/plain', async () => {
    const id = await ctx.register()
    for (const index of [2, 0, 1]) expect((await ctx.sendLog(id, { time: T0 + index, data: `line ${index}\n`, index })).status).toBe(200)
    const r = await ctx.call('GET', `/app_sessions/${id}/logs`)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(r.headers.get('x-content-type-options')).toBe('nosniff')
    expect(r.headers.get('x-horn-batch-count')).toBe('3')
    expect(r.text).toBe('line 0\nline 1\nline 2\n')
    expect(ctx.horn.state.logs(id)).toBe(r.text)
    expect(ctx.horn.state.batches(id).map((b: { index: number }) => b.index)).toEqual([0, 1, 2])
    expect((await ctx.call('GET', `/app_sessions/${id}`)).json.batchCount).toBe(3)
  })

  it('answers an empty text for an app session without logs', async () => {
    const id = await ctx.register()
    const r = await ctx.call('GET', `/app_sessions/${id}/logs`)
    expect([r.status, r.text]).toEqual([200, ''])
  })

  it('accepts the byte-identical body again (a retry) and keeps one copy', async () => {
    const id = await ctx.register()
    const body = JSON.stringify({ index: 0, time: T0, data: 'once\n' })
    const first = await ctx.call('POST', `/app_sessions/${id}/logs`, { body })
    const again = await ctx.call('POST', `/app_sessions/${id}/logs`, { body })
    expect([first.status, first.json]).toEqual([200, { index: 0, duplicate: false }])
    expect([again.status, again.json]).toEqual([200, { index: 0, duplicate: true }])
    expect(again.headers.get('x-horn-duplicate')).toBe('true')
    expect(ctx.horn.state.logs(id)).toBe('once\n')
  })

  it('answers 409 to a different body for a stored index, keeps the first, and logs it', async () => {
    const id = await ctx.register()
    await ctx.sendLog(id, { index: 0, time: T0, data: 'first\n' })
    const msg = expectError(await ctx.sendLog(id, { index: 0, time: T0, data: 'second\n' }), 409)
    expect(msg).toContain('index 0')
    expect(ctx.horn.state.logs(id)).toBe('first\n')
    expect(ctx.horn.state.conflicts).toMatchObject([{ appSessionId: id, index: 0 }])
    expect(ctx.logged.some((l) => l.includes('409'))).toBe(true)
  })

  it('answers 409 when only the bytes differ (key order), saying so', async () => {
    const id = await ctx.register()
    await ctx.call('POST', `/app_sessions/${id}/logs`, { body: '{"index":0,"time":1,"data":"x\\n"}' })
    const msg = expectError(await ctx.call('POST', `/app_sessions/${id}/logs`, { body: '{"time":1,"data":"x\\n","index":0}' }), 409)
    expect(msg).toMatch(/bytes/)
  })

  it('gives a batch without index the next index after the highest stored (0 when there is none)', async () => {
    const first = await ctx.register()
    expect((await ctx.sendLog(first, { time: 1, data: 'a\n' })).json).toEqual({ index: 0, duplicate: false })
    const id = await ctx.register()
    await ctx.sendLog(id, { index: 4, time: 1, data: 'b\n' })
    const r = await ctx.sendLog(id, { time: 2, data: 'c\n' })
    expect(r.json).toEqual({ index: 5, duplicate: false })
    expect(ctx.horn.state.logs(id)).toBe('b\nc\n')
  })

  it('answers 404 for an unknown app session, on POST and GET', async () => {
    expectError(await ctx.sendLog('nope', { index: 0, time: 1, data: 'x' }), 404)
    expectError(await ctx.call('GET', '/app_sessions/nope/logs'), 404)
    expectError(await ctx.call('GET', '/app_sessions/nope'), 404)
  })

  it.each([
    ['malformed JSON', '{"time":'],
    ['a missing time', { data: 'x', index: 0 }],
    ['a string time', { time: 'now', data: 'x', index: 0 }],
    ['a missing data', { time: 1, index: 0 }],
    ['an object data', { time: 1, data: { a: 1 }, index: 0 }],
    ['a negative index', { time: 1, data: 'x', index: -1 }],
    ['a string index', { time: 1, data: 'x', index: '0' }],
    ['a null index', { time: 1, data: 'x', index: null }],
    ['an index past 2^53', { time: 1, data: 'x', index: 2 ** 53 }],
  ])('refuses %s with 400 and stores nothing', async (_name, body) => {
    const id = await ctx.register()
    expectError(await ctx.sendLog(id, body), 400)
    expect(ctx.horn.state.batches(id)).toEqual([])
  })

  it('refuses a body that is not UTF-8', async () => {
    const id = await ctx.register()
    const raw = new Uint8Array([...new TextEncoder().encode('{"time":1,"index":0,"data":"'), 0xff, 0xfe, ...new TextEncoder().encode('"}')])
    expect(expectError(await ctx.call('POST', `/app_sessions/${id}/logs`, { raw }), 400)).toMatch(/UTF-8/)
    expect(ctx.horn.state.batches(id)).toEqual([])
  })
})

describe('body size limit', () => {
  it('answers 413 over 64 KiB by default, stores nothing, and keeps serving', async () => {
    await use()
    const id = await ctx.register()
    expect((await ctx.sendLog(id, { time: 1, index: 1, data: 'x'.repeat(60 * 1024) })).status).toBe(200) // the agent's largest batch
    const r = await ctx.sendLog(id, { time: 1, index: 0, data: 'x'.repeat(64 * 1024) })
    expect(expectError(r, 413)).toContain('65536')
    expect(ctx.horn.state.batches(id).map((b: { index: number }) => b.index)).toEqual([1])
    expect((await ctx.sendLog(id, { time: 1, index: 0, data: 'small\n' })).status).toBe(200)
  })

  it('answers 413 to a chunked body (no Content-Length) that grows past the limit', async () => {
    await use({ bodyLimit: 1000 })
    const id = await ctx.register()
    const chunk = new TextEncoder().encode('x'.repeat(400))
    let sent = 0
    const raw = new ReadableStream({
      pull(controller) {
        if (sent++ < 5) controller.enqueue(chunk)
        else controller.close()
      },
    })
    expectError(await ctx.call('POST', `/app_sessions/${id}/logs`, { raw }), 413)
    expect(ctx.horn.state.batches(id)).toEqual([])
    expect((await ctx.call('GET', `/app_sessions/${id}`)).status).toBe(200)
  })
})
