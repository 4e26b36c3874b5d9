/**
 * The `horn-logger` executable: the process around {@link runCli}. The only
 * module of the reading tools with side effects.
 */
import { runCli } from './cli'

const interrupted = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve())
  process.once('SIGTERM', () => resolve())
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
