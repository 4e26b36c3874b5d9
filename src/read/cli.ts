/**
 * `npx horn-logger`: the support engineer's command line. Reads app sessions
 * and their logs through `horn-logger/api`; maps minified stacks back.
 */
import { logsCommand, LOGS_HELP } from './commands/logs'
import { sessionsCommand, SESSIONS_HELP } from './commands/sessions'
import { CliError, EXIT, toCliError } from './exit'
import type { Io } from './io'

export const HELP = `Usage: horn-logger <command> [options]

Reads Horn app sessions and their logs (written by the horn-logger agent).

Commands:
  sessions               list app sessions: by user, channel, URL, time
  logs <appSessionId>    print one app session's log (--follow, --level, --grep, --source-maps)

Every command takes --api-url URL and --token TOKEN (or HORN_API_URL and
HORN_TOKEN), and --help.

Exit codes: 0 done, 1 failed (the server answered an error), 2 bad usage,
3 token refused (401/403), 4 not found (404), 5 server unreachable.`

const COMMANDS: Record<string, { run: (args: string[], io: Io) => Promise<number>; help: string }> = {
  sessions: { run: sessionsCommand, help: SESSIONS_HELP },
  logs: { run: logsCommand, help: LOGS_HELP },
}

/** Runs the command line on `argv` (without node and the script); resolves to the exit code. Never rejects. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' && args[0] ? COMMANDS[args[0]] : undefined
    io.out((topic?.help ?? HELP) + '\n')
    return name === undefined ? EXIT.usage : EXIT.ok
  }
  const command = COMMANDS[name]
  if (!command) {
    io.err(`horn-logger: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')}; horn-logger --help)\n`)
    return EXIT.usage
  }
  try {
    return await command.run(args, io)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    // parseArgs' own errors (an unknown option, a missing value) are usage errors.
    const failure = typeof code == 'string' && code.startsWith('ERR_PARSE_ARGS')
      ? new CliError(`${(error as Error).message} (horn-logger ${name} --help)`, EXIT.usage)
      : toCliError(error, apiUrlOf(args) ?? io.env.HORN_API_URL ?? 'the API')
    io.err(`horn-logger ${name}: ${failure.message}\n`)
    return failure.code
  }
}

/** The `--api-url` among the arguments, for an error message. */
function apiUrlOf(args: string[]): string | undefined {
  const i = args.findIndex((a) => a === '--api-url' || a.startsWith('--api-url='))
  if (i < 0) return undefined
  return args[i].includes('=') ? args[i].slice(args[i].indexOf('=') + 1) : args[i + 1]
}
