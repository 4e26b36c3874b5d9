/**
 * How this project runs Chromium everywhere (tests, benchmark, screenshots):
 * Debian's own build, never a downloaded one, with the flags that keep it
 * quiet and offline on these machines.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Options for playwright-core's `chromium.launch()` / `launchPersistentContext()`. */
export const chromiumOptions = (extra = {}) => ({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, ...extra })
