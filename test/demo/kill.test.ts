// The reference server's storage promise, tried the hard way: `node demo/server.mjs --data FILE`
// is killed with SIGKILL at random moments while batches pour in, and restarted each time.
// A 2xx means "stored": after every kill the database opens, and every batch answered 2xx is
// in it exactly once; batches whose answer was lost are resent byte for byte, as the agent does.
import { afterAll, expect, it } from 'vitest'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'

const SERVER_FILE = fileURLToPath(new URL('../../demo/server.mjs', import.meta.url))
const KILLS = 22
/** Writers in flight at once, as several tabs (or one agent and its keepalive) would be. */
const WRITERS = 4
/** A kill lands this long after the writes start: early (mid-startup writes) to late (steady state). */
const KILL_AFTER_MS = [20, 250]
const JSON_TYPE = { 'Content-Type': 'application/json' }
const T0 = 1_790_000_000_000

let dir = ''
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** Starts the server on a free port and resolves once it prints its URL. */
function startServer(dataFile: string): Promise<{ child: ChildProcess; url: string; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, [SERVER_FILE, '--data', dataFile], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  let out = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server printed no URL in 15 s: ${out}`)), 15_000)
    const onData = (d: Buffer) => {
      out += d
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({ child, url: m[1], exited })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (d: Buffer) => (out += d))
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the server exited (${code}) before listening: ${out}`))
    })
  })
}

/** The exact bytes of batch `index`: a resend is byte-identical, as the agent's is. */
const bodyOf = (index: number) => JSON.stringify({ index, time: T0 + index, data: `kill-test batch ${index}\n` })

/** Opens the database as a fresh process would after the crash; throws if it cannot. */
function inspect(dataFile: string, appSessionId: string) {
  const db = new Database(dataFile)
  try {
    const integrity = db.pragma('integrity_check', { simple: true })
    const rows = db.prepare('SELECT idx, body FROM logs WHERE app_session = ? ORDER BY idx').all(appSessionId) as { idx: number; body: string }[]
    const registered = db.prepare('SELECT COUNT(*) AS n FROM app_sessions WHERE id = ?').get(appSessionId) as { n: number }
    return { integrity, rows, registered: registered.n }
  } finally {
    db.close()
  }
}

it(`every batch answered 2xx survives ${KILLS} kill -9s during steady writes, exactly once`, async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'horn-kill-'))
  const dataFile = path.join(dir, 'horn.db')
  const answered = new Set<number>()
  /** Sent, no answer (the server died): resent after the restart. */
  let unsettled: number[] = []
  let next = 0
  let appSessionId = ''
  let kills = 0
  let lostAnswers = 0
  const failures: string[] = []

  for (let round = 0; round <= KILLS; round++) {
    const { child, url, exited } = await startServer(dataFile)
    if (!appSessionId) {
      const r = await fetch(`${url}/app_sessions/new/kill-test`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ started: T0, url: 'kill-test' }) })
      expect(r.status).toBe(200)
      appSessionId = ((await r.json()) as { id: string }).id
    }
    const last = round === KILLS
    let stop = false
    const queue = unsettled
    unsettled = []
    /** One writer: resends first, then new batches, until the server dies (or, in the last round, the queue is empty). */
    const writer = async () => {
      while (!stop) {
        const index = queue.shift() ?? (last ? undefined : next++)
        if (index === undefined) return
        try {
          const r = await fetch(`${url}/app_sessions/${appSessionId}/logs`, { method: 'POST', headers: JSON_TYPE, body: bodyOf(index) })
          await r.text()
          if (r.ok) answered.add(index)
          else failures.push(`batch ${index}: ${r.status}`)
        } catch {
          unsettled.push(index) // no answer: the server is gone; resend after the restart
          lostAnswers++
          return
        }
      }
    }
    const writers = Array.from({ length: WRITERS }, writer)
    if (last) {
      await Promise.all(writers)
      child.kill('SIGTERM')
    } else {
      await new Promise((resolve) => setTimeout(resolve, KILL_AFTER_MS[0] + Math.random() * (KILL_AFTER_MS[1] - KILL_AFTER_MS[0])))
      child.kill('SIGKILL')
      kills++
    }
    await exited
    stop = true
    await Promise.all(writers)

    // The database opens, is sound, and holds every batch answered so far, each once.
    const { integrity, rows, registered } = inspect(dataFile, appSessionId)
    expect(integrity, `after kill ${kills}`).toBe('ok')
    expect(registered).toBe(1)
    const stored = new Map(rows.map((r) => [r.idx, r.body]))
    const missing = [...answered].filter((i) => stored.get(i) !== bodyOf(i))
    expect(missing, `answered 2xx but not stored after kill ${kills}`).toEqual([])
  }

  expect(failures).toEqual([])
  expect(unsettled).toEqual([])
  const { rows } = inspect(dataFile, appSessionId)
  const text = rows.map((r) => JSON.parse(r.body).data).join('')
  const lines = text.split('\n').filter(Boolean)
  // Exactly once: one row per index (the primary key) and one line per batch in the log text.
  expect(new Set(lines).size).toBe(lines.length)
  expect(rows.map((r) => r.idx)).toEqual([...answered].sort((a, b) => a - b))
  expect(answered.size).toBe(next) // every batch ever sent was, in the end, answered 2xx
  console.log(`kill test: ${kills} kills (SIGKILL), ${answered.size} batches answered 2xx, ${rows.length} found after the last restart, ` +
    `${lostAnswers} answers lost to a kill and resent, 0 missing, 0 twice`)
}, 90_000)
