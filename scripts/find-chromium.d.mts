// Types for find-chromium.mjs, so the TypeScript tests can import it.
import type { Browser, LaunchOptions } from 'playwright-core'

export declare const NO_CHROMIUM: string
export declare function findChromium(): string | undefined
export declare const CHROMIUM_ARGS: string[]
export declare function launchChromium(options?: LaunchOptions): Promise<Browser>
