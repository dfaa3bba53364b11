// Finds and launches a Chromium for the browser tests. Order: KENCHI_CHROMIUM or
// CHROME_PATH, then the usual system locations (Debian's /usr/bin/chromium, Chrome on
// Linux and macOS), then Playwright's own downloaded browser if `npx playwright install`
// was run on this machine.
import { existsSync } from 'node:fs'
import { chromium, type Browser, type LaunchOptions } from 'playwright-core'

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
]

export function findChromium(): string | undefined {
  const fromEnv = process.env.KENCHI_CHROMIUM ?? process.env.CHROME_PATH
  if (fromEnv) return fromEnv
  for (const path of CANDIDATES) if (existsSync(path)) return path
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

export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const executablePath = findChromium()
  if (!executablePath) {
    throw new Error('No Chromium found: install one (apt-get install chromium) or set KENCHI_CHROMIUM to its path')
  }
  return chromium.launch({ executablePath, headless: true, ...options, args: [...CHROMIUM_ARGS, ...(options.args ?? [])] })
}
