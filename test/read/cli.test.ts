/**
 * `npx horn-logger` as a user gets it: the packed tarball installed into a
 * fresh project, its bin run against the reference server (port 0): sessions
 * and their filters, logs as the server holds them, --level, --grep, --follow,
 * stacks of a real minified file mapped back (from a directory, and by the
 * file's sourceMappingURL), and the failures with their exit codes.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemoServer, waitFor } from '../support/harness'
import { packAndInstall, type Installed } from '../support/pack'
import { CALL_AT, ORIGINAL_FILE, THROW_AT, minifiedApp } from '../support/minified'

const SUPPORT_TOKEN = 'demo-support'
const ALICE = { id: 1001, token: 'demo-alice' }
const BLUE_ROOM = '0b8f5e2a-6c1d-4e8f-9a3b-1c2d3e4f5a6b'
const T0 = Date.UTC(2026, 10, 28, 9, 0, 0)
const HOUR = 3_600_000

let installed: Installed
let horn: Awaited<ReturnType<typeof startDemoServer>>
let url: string
let publicDir: string
let mapsDir: string
const ids: Record<string, string> = {}

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the installed bin; never rejects (a non-zero exit is a result). */
function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(join(installed.app, 'node_modules/.bin/horn-logger'), args, {
      cwd: installed.app,
      env: { ...process.env, HORN_API_URL: url, HORN_TOKEN: SUPPORT_TOKEN, ...env },
      timeout: 30_000,
    }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code == 'number' ? error.code : null) : 0, stdout, stderr }))
  })
}

async function post(path: string, body?: unknown, token?: string) {
  const r = await fetch(url + path, {
    method: 'POST',
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  expect(r.status, await r.clone().text()).toBe(200)
  return r.json() as Promise<{ id: string }>
}

const line = (ms: number, level: string, message: string, context?: object) =>
  `${new Date(T0 + ms).toISOString()} ${level} ${message}${context ? ' ' + JSON.stringify(context) : ''}\n`
const errorLine = (ms: number, stack: string) =>
  line(ms, 'ERROR', 'Error: negative price: b', { error: { name: 'Error', message: 'negative price: b', stack } })

/** The stdout of a child so far, and its end. */
function follow(args: string[]) {
  const child = spawn(join(installed.app, 'node_modules/.bin/horn-logger'), args, {
    cwd: installed.app,
    env: { ...process.env, HORN_API_URL: url, HORN_TOKEN: SUPPORT_TOKEN },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, exited, out: () => stdout, err: () => stderr }
}

beforeAll(async () => {
  installed = packAndInstall()
  publicDir = mkdtempSync(join(tmpdir(), 'horn-cli-public-'))
  mapsDir = mkdtempSync(join(tmpdir(), 'horn-cli-maps-'))
  horn = await startDemoServer({ publicDir })
  url = horn.url

  // Three page loads: one in the Blue Room with alice linked, two others an hour apart.
  ids.blue = (await post('/app_sessions/new/conference-ui', { started: T0, url: 'https://conf.example.com/room/blue?cli-test', channel: BLUE_ROOM })).id
  await post(`/app_sessions/${ids.blue}/link/user`, undefined, ALICE.token)
  ids.later = (await post('/app_sessions/new/conference-ui', { started: T0 + HOUR, url: 'https://conf.example.com/lobby?cli-test' })).id
  ids.latest = (await post('/app_sessions/new/support-tool', { started: T0 + 2 * HOUR, url: 'https://conf.example.com/help?cli-test' })).id

  await post(`/app_sessions/${ids.blue}/logs`, {
    index: 0,
    time: T0,
    data: line(0, 'DEBUG', 'boot') + line(1, 'INFO', 'joined', { room: 'blue' }) + line(2, 'WARN', 'Slow network', { rttMs: 420 }) + line(3, 'INFO', 'left'),
  })
  await post(`/app_sessions/${ids.blue}/logs`, { index: 1, time: T0 + 4, data: line(4, 'ERROR', 'upload failed', { status: 500 }) })

  // A real stack of a minified file, twice: loaded from a CDN (its map in a directory) and from
  // the server itself (its map found by the file's sourceMappingURL).
  const cdn = await minifiedApp('https://cdn.example.com/assets/app.min.js')
  writeFileSync(join(mapsDir, 'app.min.js.map'), cdn.map)
  mkdirSync(join(publicDir, 'assets'))
  const served = await minifiedApp(`${url}/assets/app.min.js`)
  writeFileSync(join(publicDir, 'assets/app.min.js'), served.code)
  writeFileSync(join(publicDir, 'assets/app.min.js.map'), served.map)
  await post(`/app_sessions/${ids.later}/logs`, { index: 0, time: T0 + HOUR, data: line(HOUR, 'INFO', 'checkout') + errorLine(HOUR + 1, cdn.stack) })
  await post(`/app_sessions/${ids.latest}/logs`, { index: 0, time: T0 + 2 * HOUR, data: errorLine(2 * HOUR, served.stack) })
}, 180_000)

afterAll(async () => {
  await horn?.close()
  for (const dir of [installed?.tmp, publicDir, mapsDir]) if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('horn-logger from the packed tarball', () => {
  it('ships its bin, and `npx horn-logger --help` works, as does --help on every command', async () => {
    expect(installed.packed.files.map((f) => f.path)).toEqual(expect.arrayContaining(['dist/cli.mjs', 'dist/read.mjs']))
    const help = await new Promise<Run>((resolve) =>
      execFile('npx', ['--no-install', 'horn-logger', '--help'], { cwd: installed.app, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr })),
    )
    expect(help.code, help.stderr).toBe(0)
    expect(help.stdout).toMatch(/^Usage: horn-logger <command>/)
    expect(help.stdout).toMatch(/Exit codes: 0 done/)
    for (const command of ['sessions', 'logs']) {
      const r = await cli([command, '--help'], { HORN_API_URL: undefined })
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(new RegExp(`^Usage: horn-logger ${command}`))
    }
  })

  it('sessions: one per line, filtered by URL, user, channel, channel session and time, limited', async () => {
    const ofTest = (r: Run) => r.stdout.trim().split('\n').filter((l) => l.includes('cli-test'))
    const all = await cli(['sessions', '--url', 'cli-test'])
    expect(all.code, all.stderr).toBe(0)
    expect(ofTest(all)).toHaveLength(3)
    const blue = all.stdout.split('\n').find((l) => l.startsWith(ids.blue + ' '))!
    expect(blue).toBe(`${ids.blue}  conference-ui  ${new Date(T0).toISOString()}  alice  https://conf.example.com/room/blue?cli-test`)

    expect(ofTest(await cli(['sessions', '--url', 'cli-test', '--user', String(ALICE.id)])).map((l) => l.split(' ')[0])).toEqual([ids.blue])
    expect(ofTest(await cli(['sessions', '--url', 'cli-test', '--channel', BLUE_ROOM])).map((l) => l.split(' ')[0])).toEqual([ids.blue])
    const after = ofTest(await cli(['sessions', '--url', 'cli-test', '--after', new Date(T0 + HOUR / 2).toISOString()])).map((l) => l.split(' ')[0])
    expect(after.sort()).toEqual([ids.later, ids.latest].sort())
    const before = ofTest(await cli(['sessions', '--url', 'cli-test', '--before', String(T0 + HOUR / 2)])).map((l) => l.split(' ')[0])
    expect(before).toEqual([ids.blue])
    expect(ofTest(await cli(['sessions', '--url', 'cli-test', '--limit', '2']))).toHaveLength(2)
    const channelSession = ((await (await fetch(`${url}/app_sessions/${ids.blue}`, { headers: { Authorization: `Bearer ${SUPPORT_TOKEN}` } })).json()) as { channelsSessions: string[] }).channelsSessions[0]
    if (channelSession) {
      expect(ofTest(await cli(['sessions', '--url', 'cli-test', '--channel-session', channelSession])).map((l) => l.split(' ')[0])).toEqual([ids.blue])
    }
    const json = await cli(['sessions', '--url', 'room/blue?cli-test', '--json'])
    expect(JSON.parse(json.stdout.trim())).toMatchObject({ id: ids.blue, clientId: 'conference-ui', channels: [BLUE_ROOM] })
  })

  it('logs: prints what GET /app_sessions/{id}/logs answers; --level keeps that level and up; --grep any case', async () => {
    const served = await (await fetch(`${url}/app_sessions/${ids.blue}/logs`, { headers: { Authorization: `Bearer ${SUPPORT_TOKEN}` } })).text()
    const r = await cli(['logs', ids.blue])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe(served)
    expect(served.split('\n').filter(Boolean)).toHaveLength(5)

    const warn = await cli(['logs', ids.blue, '--level', 'warn'])
    expect(warn.stdout.trim().split('\n').map((l) => l.split(' ')[1])).toEqual(['WARN', 'ERROR'])
    const grep = await cli(['logs', ids.blue, '--grep', 'slow NETWORK'])
    expect(grep.stdout).toBe(line(2, 'WARN', 'Slow network', { rttMs: 420 }))
    expect((await cli(['logs', ids.blue, '--level', 'info', '--grep', 'boot'])).stdout).toBe('')
  })

  it('logs --follow prints a batch posted after it started, and stops on SIGINT with 0', async () => {
    await post(`/app_sessions/${ids.blue}/logs`, { index: 2, time: T0 + 10, data: line(10, 'INFO', 'follow-me before start') })
    const run = follow(['logs', ids.blue, '--follow', '--interval', '200', '--grep', 'follow-me'])
    try {
      // Started: its first read printed the line already there, so the next batch can only come by following.
      await waitFor('the first read', () => run.out().includes('follow-me before start'), 15_000)
      await post(`/app_sessions/${ids.blue}/logs`, { index: 3, time: T0 + 11, data: line(11, 'INFO', 'follow-me after start') })
      await waitFor('the new line on stdout', () => run.out().includes('follow-me after start'), 15_000)
      expect(run.out()).toBe(line(10, 'INFO', 'follow-me before start') + line(11, 'INFO', 'follow-me after start'))
    } finally {
      run.child.kill('SIGINT')
    }
    expect(await run.exited).toBe(0)
    expect(run.err()).toBe('')
  })

  it('--source-maps DIR: a minified frame is shown at its original file, line, column and function', async () => {
    const r = await cli(['logs', ids.later, '--source-maps', mapsDir])
    expect(r.code, r.stderr).toBe(0)
    const min = 'https://cdn.example.com/assets/app.min.js'
    expect(r.stdout).toContain('    error.stack, mapped:\n')
    expect(r.stdout).toMatch(new RegExp(`      at computeTotal \\(${ORIGINAL_FILE}:${THROW_AT.line}:${THROW_AT.column}\\)  <- ${min.replace(/\./g, '\\.')}:1:\\d+\n`))
    expect(r.stdout).toMatch(new RegExp(`      at handleClick \\(${ORIGINAL_FILE}:${CALL_AT.line}:${CALL_AT.column}\\)  <- `))
    // Without the maps (and nothing to fetch at cdn.example.com), the log is printed as the server holds it.
    const plain = await cli(['logs', ids.later, '--no-fetch-maps'])
    expect(plain.stdout).not.toContain('mapped')
  })

  it('follows the sourceMappingURL of a minified file it can fetch', async () => {
    const r = await cli(['logs', ids.latest])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`at computeTotal \\(${ORIGINAL_FILE}:${THROW_AT.line}:${THROW_AT.column}\\)  <- ${url.replace(/\./g, '\\.')}/assets/app\\.min\\.js:1:`))
  })

  it('fails in one line with a documented exit code: usage 2, token 3, unknown id 4, unreachable 5', async () => {
    const noStack = (r: Run) => {
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).not.toMatch(/\n\s+at /)
      expect(r.stdout).toBe('')
    }
    const token = await cli(['logs', ids.blue], { HORN_TOKEN: 'wrong' })
    expect(token.code).toBe(3)
    expect(token.stderr).toMatch(/^horn-logger logs: GET \/app_sessions\/.+ answered 401: .*token/)
    noStack(token)
    const unknown = await cli(['logs', 'no-such-session'])
    expect(unknown.code).toBe(4)
    expect(unknown.stderr).toMatch(/answered 404: unknown app session "no-such-session"/)
    noStack(unknown)

    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
    })
    const down = await cli(['sessions'], { HORN_API_URL: `http://127.0.0.1:${port}` })
    expect(down.code).toBe(5)
    expect(down.stderr).toMatch(new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port} .*ECONNREFUSED`))
    noStack(down)

    for (const args of [['logs'], ['logs', 'a', '--level', 'loud'], ['sessions', '--after', 'yesterday-ish'], ['sessions', '--bogus'], ['frobnicate']]) {
      const r = await cli(args)
      expect(r.code, args.join(' ')).toBe(2)
      noStack(r)
    }
    const noUrl = await cli(['sessions'], { HORN_API_URL: '' })
    expect(noUrl.code).toBe(2)
    expect(noUrl.stderr).toMatch(/--api-url/)
  })
})
