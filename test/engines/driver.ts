/**
 * The thin page-driver interface the engine suite is written against: one
 * implementation per engine (chromium.ts, firefox.ts, webkit.ts), so each
 * promise is proved once and run in Chromium, Firefox and WebKit alike.
 *
 * Every browser runs in a process group of its own and is registered here,
 * so `killAll()` (afterAll, and process exit) leaves no browser behind even
 * when a test fails half-way.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type EngineName = 'chromium' | 'firefox' | 'webkit'

export interface EnginePage {
  goto(url: string): Promise<void>
  /** History back, as the browser's back button. */
  back(): Promise<void>
  /**
   * Runs `fn(arg)` in the page and resolves with its awaited result (JSON
   * values only). `fn` travels as source text: it may use nothing from Node.
   */
  evaluate<T, A = undefined>(fn: (arg: A) => T | Promise<T>, arg?: A): Promise<Awaited<T>>
  /** Takes the page's network away and back, where the engine's automation can (not WebKit's WebDriver). */
  setOffline?(offline: boolean): Promise<void>
  close(): Promise<void>
}

export interface EngineBrowser {
  newPage(): Promise<EnginePage>
  /** Closes the browser; kills its process group if closing does not end it. */
  close(): Promise<void>
}

/** A browser started on a profile directory of its own, showing its URLs, with nothing attached that changes its storage. */
export interface RunningBrowser {
  /** SIGKILL to the browser's whole process group: what a crash or the OOM killer does. */
  kill(): Promise<void>
}

export interface Engine {
  name: EngineName
  /** The browser's own version line, e.g. "Mozilla Firefox 153.8.0esr". */
  version: string
  /** A browser with a fresh temporary profile, driven by the engine's automation. */
  launch(): Promise<EngineBrowser>
  /**
   * Starts the browser on `profile` (a directory that keeps IndexedDB across
   * starts) with one tab per URL, all loading at once. The pages drive themselves (its own scripts) and the
   * test watches the server: WebKit's MiniBrowser keeps IndexedDB in memory
   * when driven over WebDriver, so there it runs undriven.
   */
  start(profile: string, urls: string[]): Promise<RunningBrowser>
  /** Ends whatever this engine started outside its browsers (Xvfb). */
  shutdown(): Promise<void>
}

// ---------------------------------------------------------------------------
// Processes: every browser (and helper) in its own process group, all tracked.

const groups = new Set<number>()

/** SIGKILL to a process group; quiet when it is already gone. */
export function killGroup(pid: number | undefined): void {
  if (!pid) return
  groups.delete(pid)
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // Already gone.
  }
}

/** Kills every process group started by this file's engines. */
export function killAll(): void {
  for (const pid of [...groups]) killGroup(pid)
}
process.on('exit', killAll)

/** Spawns `command` as the leader of a new process group, tracked for `killAll()`. */
export function spawnGroup(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore', ...options, detached: true })
  if (child.pid) groups.add(child.pid)
  child.once('exit', () => child.pid && groups.delete(child.pid))
  return child
}

/** Tracks a process group someone else spawned detached (puppeteer's browser). */
export function trackGroup(pid: number | undefined): void {
  if (pid) groups.add(pid)
}

/** Resolves once the process has exited, or after `timeoutMs` (then kills its group). */
export async function exited(child: ChildProcess, timeoutMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      killGroup(child.pid)
      resolve()
    }, timeoutMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/** Resolves once no process of the group `pid` leads is left, or after `timeoutMs`. */
export async function waitForExit(pid: number | undefined, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (pid && Date.now() < deadline) {
    try {
      process.kill(-pid, 0)
    } catch {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Reads a child's output until `pattern` matches; rejects after `timeoutMs` or when the child exits first. */
export function readUntil(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = ''
    const timer = setTimeout(() => done(new Error(`no ${pattern} from ${child.spawnfile} within ${timeoutMs} ms: ${text.slice(-500)}`)), timeoutMs)
    const onData = (chunk: Buffer) => {
      text += chunk.toString()
      const match = pattern.exec(text)
      if (match) done(undefined, match)
    }
    const onExit = (code: number | null) => done(new Error(`${child.spawnfile} exited (${code}) before ${pattern}: ${text.slice(-500)}`))
    function done(error?: Error, match?: RegExpExecArray) {
      clearTimeout(timer)
      child[stream]?.off('data', onData)
      child.off('exit', onExit)
      if (error) reject(error)
      else resolve(match!)
    }
    child[stream]?.on('data', onData)
    child.once('exit', onExit)
  })
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A fresh temporary directory and its remover. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** Rejects after `ms` with `what`: for automation calls that may hang when a browser misbehaves. */
export function bounded<T>(what: string, promise: Promise<T>, ms = 60_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)))
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
