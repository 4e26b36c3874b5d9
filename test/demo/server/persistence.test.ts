// The reference Horn server (demo/server.mjs), driven over real HTTP on 127.0.0.1. Persistence: the SQLite store with dataFile, across restarts, quotas and write failures.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
// @ts-expect-error: plain JavaScript module with JSDoc types
import { createHornServer } from '../../../demo/server.mjs'
import { BLUE, HELP, T0, auth, start, ctx, use, expectError, open } from './harness'

describe('persistence with dataFile (SQLite)', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'horn-demo-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps app sessions, logs, links, conflicts and ended sessions across a restart', async () => {
    const dataFile = path.join(dir, 'nested', 'store.db')
    const first = await use({ dataFile })
    const id = await first.register({ channel: BLUE, started: 42 })
    const body = JSON.stringify({ index: 0, time: 1, data: 'before restart\n' })
    await first.call('POST', `/app_sessions/${id}/logs`, { body })
    await first.sendLog(id, { index: 1, time: 2, data: 'two\n' })
    expectError(await first.sendLog(id, { index: 1, time: 2, data: 'other\n' }), 409)
    await first.call('POST', `/app_sessions/${id}/link/user`, { headers: auth('carol') })
    await first.call('DELETE', `/channels/${HELP}/session`, { headers: auth('dave') })
    // Image URLs name the port, which a restart changes.
    const withoutImages = (a: any) => ({ ...a, users: a.users.map(({ imageUrl, ...u }: any) => u) })
    const before = withoutImages(first.horn.state.appSession(id))
    await first.horn.close()
    open.splice(open.indexOf(first.horn), 1)

    const second = await use({ dataFile })
    expect(withoutImages(second.horn.state.appSession(id))).toEqual(before)
    expect((await second.call('GET', `/app_sessions/${id}/logs`)).text).toBe('before restart\ntwo\n')
    expect((await second.call('GET', `/app_sessions?user=carol`)).json.total).toBe(1)
    expect((await second.call('GET', '/sessions/sess_help_02')).json.ended).toBe(T0)
    expect(second.horn.state.conflicts).toMatchObject([{ appSessionId: id, index: 1 }])
    // The first body per index survives too: a retry is still a duplicate, a change still a conflict.
    expect((await second.call('POST', `/app_sessions/${id}/logs`, { body })).json).toEqual({ index: 0, duplicate: true })
    expectError(await second.sendLog(id, { index: 1, time: 2, data: 'changed\n' }), 409)
    const other = await second.register()
    expect(other).not.toBe(id)
    expect(second.horn.state.appSessions().map((a: { id: string }) => a.id)).toEqual([id, other])
  })

  it('has every answered write on disk already: another connection reads it before any close', async () => {
    const dataFile = path.join(dir, 'store.db')
    await use({ dataFile })
    const id = await ctx.register()
    expect((await ctx.sendLog(id, { index: 0, time: 1, data: 'committed\n' })).status).toBe(200)
    const { default: Database } = await import('better-sqlite3')
    const db = new Database(dataFile, { readonly: true })
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
      expect(db.prepare('SELECT idx, body FROM logs WHERE app_session = ?').all(id)).toEqual([{ idx: 0, body: '{"index":0,"time":1,"data":"committed\\n"}' }])
    } finally {
      db.close()
    }
  })

  it('persists a reset too: an empty store and un-ended sessions', async () => {
    const dataFile = path.join(dir, 'store.db')
    await use({ dataFile, faultControls: true })
    await ctx.register()
    await ctx.call('DELETE', `/channels/${BLUE}/session`, { headers: auth('alice') })
    await ctx.call('POST', '/_control/reset')
    await ctx.horn.close()
    open.length = 0
    await use({ dataFile })
    expect(ctx.horn.state.appSessions()).toEqual([])
    expect((await ctx.call('GET', '/sessions/sess_blue_03')).json.ended).toBeUndefined()
  })

  it('refuses to start on a file that is not its own (JSON, or another SQLite database), and leaves it untouched', async () => {
    const dataFile = path.join(dir, 'notes.json')
    await writeFile(dataFile, '{"hello": "world"}')
    const horn = createHornServer({ dataFile, log: () => {} })
    await expect(horn.listen(0)).rejects.toThrow(/not a readable horn demo store/)
    expect(await readFile(dataFile, 'utf8')).toBe('{"hello": "world"}')
    const { default: Database } = await import('better-sqlite3')
    const otherFile = path.join(dir, 'other.db')
    const other = new Database(otherFile)
    other.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)')
    other.close()
    await expect(createHornServer({ dataFile: otherFile, log: () => {} }).listen(0)).rejects.toThrow(/SQLite database of something else/)
  })

  it('answers 503 (never 2xx) when the database cannot write, and serves again once it can', async () => {
    const dataFile = path.join(dir, 'store.db')
    await use({ dataFile })
    const id = await ctx.register()
    // Another connection holds the write lock: this server's write fails (SQLITE_BUSY) instead of waiting.
    const { default: Database } = await import('better-sqlite3')
    const locker = new Database(dataFile, { timeout: 0 })
    locker.exec('BEGIN IMMEDIATE')
    try {
      const r = await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' })
      expect(expectError(r, 503)).toMatch(/could not write/)
      expect(r.headers.get('retry-after')).toBe('5')
    } finally {
      locker.exec('ROLLBACK')
      locker.close()
    }
    expect(ctx.horn.state.batches(id)).toEqual([])
    expect((await ctx.sendLog(id, { index: 0, time: 1, data: 'x\n' })).status).toBe(200)
    expect(ctx.logged.some((l) => l.includes('SQLITE_BUSY'))).toBe(true)
  })
})
