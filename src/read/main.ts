/**
 * The `horn-logger` executable: the process around {@link runCli}. The only
 * module of the reading tools with side effects.
 */
import { runCli } from './cli'

/** After Ctrl+C, a command that does not end by itself (a long read; `--follow` ends at once) is stopped this much later. */
const STOP_GRACE_MS = 1000
/** 128 + SIGINT: what a shell reports for a command stopped by Ctrl+C. */
const EXIT_INTERRUPTED = 130

// A SIGINT listener replaces Node's own exit on Ctrl+C: `--follow` ends cleanly (0), anything else soon after (130).
const interrupted = new Promise<void>((resolve) => {
  const stop = () => {
    resolve()
    setTimeout(() => process.exit(EXIT_INTERRUPTED), STOP_GRACE_MS).unref()
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
})

// `horn-logger logs … | head`: a closed pipe ends the command quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? 0 : 1))

const code = await runCli(process.argv.slice(2), {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
  interrupted,
})
process.exitCode = code
// Follow mode's last request may still hold a socket open; the work is done.
process.stdout.write('', () => process.exit(code))
