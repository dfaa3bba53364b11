// Packing the three packages and installing the tarballs into a fresh folder, as a stranger
// would from the registry. npm reads the local cache first (`--offline`), and falls back to
// `--prefer-offline` (the registry only for what the cache lacks) on a machine whose cache
// has not seen a package yet.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const PACKAGES = ['protocol', 'client', 'server', 'console'] as const
export type PackageName = (typeof PACKAGES)[number]

const run = promisify(execFile)
const npmEnv = {
  ...process.env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_loglevel: 'error',
}

/** Runs npm in `cwd`; rejects with npm's own output when it fails. */
export async function npm(cwd: string, args: string[], timeout = 120_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('npm', args, { cwd, env: npmEnv, timeout, maxBuffer: 32 * 1024 * 1024 })
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string }
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`)
  }
}

/** `npm pack` of the three packages (the built dist/ must be there: `npm run build`). Returns the tarball paths. */
export async function packAll(dest: string): Promise<Record<PackageName, string>> {
  const out = {} as Record<PackageName, string>
  for (const name of PACKAGES) {
    const { stdout } = await npm(join(ROOT, 'packages', name), ['pack', '--json', '--pack-destination', dest])
    const [info] = JSON.parse(stdout) as Array<{ filename: string }>
    out[name] = join(dest, info!.filename)
  }
  return out
}

/** `npm install <args>` from the cache, falling back to the registry for what it lacks. */
export async function install(cwd: string, args: string[]): Promise<void> {
  try {
    await npm(cwd, ['install', '--offline', '--no-package-lock', ...args])
  } catch {
    await npm(cwd, ['install', '--prefer-offline', '--no-package-lock', ...args])
  }
}

/** A fresh temporary folder with a private package.json. */
export function tempProject(prefix: string, manifest: Record<string, unknown> = {}): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `kenchi-${prefix}-`))
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `kenchi-${prefix}-check`, private: true, type: 'module', ...manifest }, null, 2),
  )
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export function readJson<T = Record<string, any>>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T
}
