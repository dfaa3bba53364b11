// The console on the service: `"console": { "path": "/console" }` in kenchi.config.json mounts
// `@kenchi/console` (an optional peer) with one view per site, its users and audit log in
// memory or a SQLite file, and its first admin from KENCHI_CONSOLE_ADMIN /
// KENCHI_CONSOLE_ADMIN_PASSWORD_HASH. See docs/service.md "Console".
import { KenchiError } from '../errors.js'
import { isMissingModule } from '../optional.js'
import type { ResolvedConfig } from './config.js'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Store } from '../stores/types.js'
import type { Verifier } from '../verifier.js'

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

/** What the console needs of a `Service` (structural, so this file does not import the service: no import cycle). */
export interface ConsoleHost {
  readonly sites: ReadonlyMap<string, { id: string; verifier: Verifier; store: Store }>
  mount(prefix: string, handler: NodeHandler): void
}

interface ConsoleModule {
  createConsole(options: Record<string, unknown>): NodeHandler & { ready: Promise<void> }
  sqliteConsoleStore(path: string): Promise<unknown>
}

/**
 * Mounts the console the configuration asks for (nothing without a `console` section).
 * Rejects with `CONFIG_SERVICE` naming `@kenchi/console` when it is not installed, and when
 * its bootstrap fails (for example a bad `KENCHI_CONSOLE_ADMIN_PASSWORD_HASH`).
 */
export async function mountConfiguredConsole(
  service: ConsoleHost,
  config: ResolvedConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  if (!config.console) return undefined
  const specifier = '@kenchi/console'
  let module: ConsoleModule
  try {
    module = (await import(specifier)) as ConsoleModule
  } catch (error) {
    if (!isMissingModule(error, specifier)) throw error
    throw new KenchiError(
      'CONFIG_SERVICE',
      'console: the configuration has a console section, which needs the optional peer @kenchi/console: npm install @kenchi/console',
      { cause: error },
    )
  }
  const { path, sqlite } = config.console
  const handler = module.createConsole({
    basePath: path,
    sites: [...service.sites.values()].map((site) => ({ name: site.id, verifier: site.verifier, store: site.store })),
    ...(sqlite ? { consoleStore: await module.sqliteConsoleStore(sqlite) } : {}),
    trustProxy: config.trustProxy,
    env,
  })
  try {
    await handler.ready
  } catch (error) {
    throw new KenchiError('CONFIG_SERVICE', `console: ${(error as Error).message}`, { cause: error })
  }
  service.mount(path, handler)
  return path
}
