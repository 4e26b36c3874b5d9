/**
 * WebKitGTK (Safari's engine; Debian's `webkit2gtk-driver`): MiniBrowser
 * driven by `WebKitWebDriver` through selenium-webdriver 4.46 (the last for
 * Node 20). MiniBrowser has no headless mode, so it runs on an Xvfb display
 * this file starts itself. Under WebDriver, MiniBrowser keeps IndexedDB in
 * memory: `start()` therefore runs MiniBrowser undriven, with its data
 * directories (XDG_DATA_HOME, XDG_CACHE_HOME) inside the profile directory.
 */
import { execFileSync, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { Builder, type WebDriver } from 'selenium-webdriver'
import { bounded, exited, freePort, killGroup, spawnGroup, tempDir, type Engine, type EngineBrowser, type EnginePage } from './driver'

const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser'
const WEBDRIVER = '/usr/bin/WebKitWebDriver'

let xvfb: { child: ChildProcess; display: string } | undefined

/** One Xvfb for this test file; `-displayfd` lets it pick a free display number. */
async function display(): Promise<string> {
  if (!xvfb) {
    const child = spawnGroup('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1280x800x24'], {
      stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
    })
    const number = await new Promise<string>((resolve, reject) => {
      let text = ''
      const timer = setTimeout(() => reject(new Error('Xvfb gave no display number within 10 s')), 10_000)
      child.stdio[3]!.on('data', (chunk: Buffer) => {
        text += chunk.toString()
        if (text.includes('\n')) {
          clearTimeout(timer)
          resolve(text.trim())
        }
      })
      child.once('exit', (code) => reject(new Error(`Xvfb exited (${code})`)))
    })
    xvfb = { child, display: `:${number}` }
  }
  return xvfb.display
}

/** What MiniBrowser and its helper processes see: the display, and data directories under `home`. */
async function environment(home: string): Promise<NodeJS.ProcessEnv> {
  return {
    ...process.env,
    DISPLAY: await display(),
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_CONFIG_HOME: join(home, 'config'),
    // No accessibility bus or GPU on a virtual display.
    NO_AT_BRIDGE: '1',
    WEBKIT_DISABLE_COMPOSITING_MODE: '1',
  }
}

function wrap(driver: WebDriver, handle: string, anchor: string): EnginePage {
  const focus = () => driver.switchTo().window(handle)
  return {
    async goto(url) {
      await focus()
      await driver.get(url)
    },
    async back() {
      await focus()
      await driver.navigate().back()
    },
    async evaluate(fn, arg) {
      await focus()
      // Selenium runs a script body; the last argument is the callback that ends it.
      const result = (await driver.executeAsyncScript(
        `const done = arguments[arguments.length - 1];
        Promise.resolve().then(() => (${fn.toString()})(arguments[0])).then(
          (value) => done({ value: value === undefined ? null : value }),
          (error) => done({ error: String(error && error.stack || error) }))`,
        arg ?? null,
      )) as { value?: unknown; error?: string }
      if (result.error !== undefined) throw new Error(`in the page: ${result.error}`)
      return (result.value === null ? undefined : result.value) as never
    },
    async close() {
      await focus()
      await driver.close()
      await driver.switchTo().window(anchor)
    },
  }
}

export const webkit: Engine = {
  name: 'webkit',
  // `MiniBrowser --version` needs a display; the package says the same without one.
  version: `WebKitGTK ${execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'libwebkit2gtk-4.1-0'], { encoding: 'utf8' }).split('-')[0]}`,

  async launch(): Promise<EngineBrowser> {
    const home = tempDir('horn-webkit-')
    const port = await freePort()
    const service = spawnGroup(WEBDRIVER, [`--port=${port}`, '--host=local'], { env: await environment(home.path), stdio: 'ignore' })
    const driver = await bounded(
      'starting a WebKitWebDriver session',
      (async () => {
        // The driver may need a moment before it listens.
        for (let attempt = 0; ; attempt++) {
          try {
            return await new Builder()
              .usingServer(`http://127.0.0.1:${port}`)
              .withCapabilities({
                browserName: 'MiniBrowser',
                'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
              })
              .build()
          } catch (error) {
            if (attempt >= 20) throw error
            await new Promise((resolve) => setTimeout(resolve, 250))
          }
        }
      })(),
    )
    await driver.manage().setTimeouts({ script: 180_000, pageLoad: 30_000 })
    // The first window stays open and blank: closing a session's last window would end the session.
    const anchor = await driver.getWindowHandle()
    return {
      async newPage() {
        await driver.switchTo().newWindow('tab')
        return wrap(driver, await driver.getWindowHandle(), anchor)
      },
      async close() {
        await bounded('closing MiniBrowser', driver.quit(), 10_000).catch(() => {})
        killGroup(service.pid)
        await exited(service)
        home.remove()
      },
    }
  },

  async start(profile, urls) {
    // One window per URL.
    const child = spawnGroup(MINIBROWSER, urls, { env: await environment(profile) })
    return {
      async kill() {
        killGroup(child.pid)
        await exited(child)
      },
    }
  },

  async shutdown() {
    if (xvfb) killGroup(xvfb.child.pid)
    xvfb = undefined
  },
}
