// Finds and launches a Chromium through playwright-core, for the browser tests, the benches
// and the demo's attack script (`npm run demo:attack`). The project never downloads a
// browser: it uses one already on the machine. Order:
//   1. KENCHI_CHROMIUM or CHROME_PATH (an error if it names a missing file),
//   2. chromium, chromium-browser, google-chrome, google-chrome-stable or chrome on PATH
//      (Debian's /usr/bin/chromium is found here),
//   3. the usual install locations (Chrome and Chromium on macOS and Windows, snap),
//   4. Playwright's own browser, if `npx playwright install chromium` was run on this machine.
import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { chromium } from 'playwright-core'

const ON_PATH = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome']
const LOCATIONS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
]

/** What to tell someone with no browser. */
export const NO_CHROMIUM =
  'No Chromium or Chrome found. Install one (Debian/Ubuntu: apt-get install chromium; macOS/Windows: Google Chrome), ' +
  'put it on PATH, or set KENCHI_CHROMIUM to the browser executable.'

function executable(path) {
  try {
    if (!statSync(path).isFile()) return false
    if (process.platform !== 'win32') accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The first `names` entry found in the PATH folders, or undefined. */
function onPath(names) {
  const folders = (process.env.PATH ?? '').split(delimiter).filter(Boolean)
  const suffixes = process.platform === 'win32' ? ['.exe', ''] : ['']
  for (const name of names) {
    for (const folder of folders) {
      for (const suffix of suffixes) {
        const path = join(folder, name + suffix)
        if (executable(path)) return path
      }
    }
  }
  return undefined
}

/**
 * The path of a Chromium-family browser to drive, or undefined when there is none.
 * Throws when KENCHI_CHROMIUM / CHROME_PATH is set to a path that is not there.
 * @returns {string | undefined}
 */
export function findChromium() {
  for (const name of ['KENCHI_CHROMIUM', 'CHROME_PATH']) {
    const fromEnv = process.env[name]
    if (!fromEnv) continue
    if (!existsSync(fromEnv)) throw new Error(`${name}=${fromEnv}: no such file. Point it at a Chromium or Chrome executable, or unset it.`)
    return fromEnv
  }
  const found = onPath(ON_PATH) ?? LOCATIONS.find(executable)
  if (found) return found
  try {
    const bundled = chromium.executablePath()
    if (bundled && existsSync(bundled)) return bundled
  } catch {
    // playwright-core has no browser of its own here
  }
  return undefined
}

/** Flags for a quiet browser on a closed network; --no-sandbox only when running as root. */
export const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
]

/**
 * Launches the browser `findChromium()` finds, headless unless `options.headless` is false,
 * with `CHROMIUM_ARGS` before `options.args`. Throws with `NO_CHROMIUM` when there is none.
 * @param {import('playwright-core').LaunchOptions} [options]
 * @returns {Promise<import('playwright-core').Browser>}
 */
export async function launchChromium(options = {}) {
  const executablePath = findChromium()
  if (!executablePath) throw new Error(NO_CHROMIUM)
  return chromium.launch({ executablePath, headless: true, ...options, args: [...CHROMIUM_ARGS, ...(options.args ?? [])] })
}
