// The reference Horn server (demo/server.mjs), driven over real HTTP on 127.0.0.1. The command line: `node demo/server.mjs` with its flags.
import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { SERVER_FILE, auth, JSON_TYPE } from './harness'

describe('command line', () => {
  /** Starts `node demo/server.mjs` and resolves with its URL once it prints it. */
  function run(args: string[]) {
    const child = spawn(process.execPath, [SERVER_FILE, ...args], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const url = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 15_000)
      child.stdout.on('data', () => {
        const m = /listening on (http:\/\/\S+)/.exec(out)
        if (m) {
          clearTimeout(timer)
          resolve(m[1])
        }
      })
      child.on('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`exited ${code}: ${out}`))
      })
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    return { child, url, exited, output: () => out }
  }

  it('starts, prints the URLs, persists with --data, and restarts with the same data', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'horn-demo-cli-'))
    const dataFile = path.join(dir, 'demo.json')
    try {
      const first = run(['--data', dataFile, '--latency', '1'])
      const url = await first.url
      expect(first.output()).toContain(`log viewer     ${url}/viewer.html`)
      expect(first.output()).toContain(`database       ${dataFile}`)
      expect(first.output()).not.toContain('/_control') // no --fault-controls
      const { id } = await (await fetch(`${url}/app_sessions/new/cli`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ started: 1, url: 'cli' }) })).json()
      expect((await fetch(`${url}/app_sessions/${id}/logs`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ index: 0, time: 1, data: 'kept\n' }) })).status).toBe(200)
      first.child.kill('SIGTERM')
      expect(await first.exited).toBe(0)

      const second = run(['--data', dataFile, '--fault-controls', '--body-limit', '1k'])
      const url2 = await second.url
      expect(second.output()).toContain('/_control/logs-down')
      expect(await (await fetch(`${url2}/app_sessions/${id}/logs`, { headers: auth('support') })).text()).toBe('kept\n')
      const big = await fetch(`${url2}/app_sessions/${id}/logs`, { method: 'POST', headers: JSON_TYPE, body: JSON.stringify({ index: 1, time: 1, data: 'x'.repeat(1100) }) })
      expect(big.status).toBe(413)
      second.child.kill('SIGTERM')
      expect(await second.exited).toBe(0)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it.each([['--fail-rate', '2'], ['--total-quota', 'lots'], ['--body-limit', '0']])('exits 2 with the usage on a bad flag value: %s %s', async (...args) => {
    const bad = run(args)
    bad.url.catch(() => {})
    expect(await bad.exited).toBe(2)
    expect(bad.output()).toContain('usage:')
  })
})
