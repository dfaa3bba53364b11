// Types for app.mjs, so the TypeScript tests (and an editor) see what startDemo() resolves.
import type { PolicyPatch, Verdict, Verifier } from '@kenchi/server'

/** A mail the demo "sent": it lands on the /mailbox page, newest first. */
export interface DemoMail {
  id: string
  at: number
  to: string
  subject: string
  text: string
  /** The confirmation or reset link, for link mails. */
  link?: string
}

/** A running demo shop. */
export interface Demo {
  /** `http://127.0.0.1:<port>/`, with the trailing slash. */
  url: string
  /** The latest verdicts (at most 100), newest last. */
  verdicts: Verdict[]
  /** The mails sent (at most 50), newest first. */
  mailbox: DemoMail[]
  /** The admin console's password (Basic with any user name, or Bearer). */
  adminPassword: string
  verifier: Verifier
  /** Stops the server, the attack-mode timer and the store. */
  close(): Promise<void>
}

/** Starts the demo shop on 127.0.0.1; `port` 0 takes a free one. `policy` is merged over `DEMO_POLICY`. */
export declare function startDemo(options?: { port?: number; host?: string; dataDir?: string; policy?: PolicyPatch }): Promise<Demo>

/** The demo's attack-mode settings (a trigger reachable in a short demo run, a 30 s calm). */
export declare const DEMO_POLICY: { attack: { failedLogins: number; distinctUsers: number; windowMs: number; calmMs: number } }

/** The accounts created on first start, printed on the login page and at start-up. */
export declare const SEEDED_ACCOUNTS: ReadonlyArray<{ email: string; password: string; name: string }>
