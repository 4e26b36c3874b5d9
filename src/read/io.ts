/** What a command reads and writes, passed in so a test can run one without a process. */
export interface Io {
  out(text: string): void
  err(text: string): void
  env: NodeJS.ProcessEnv
  /** Resolves when the user asks to stop (Ctrl+C): `--follow` ends there. */
  interrupted: Promise<void>
}
