// The signals the early script needs: what the server's automation rule reads. They are
// cheap and synchronous, so blocking the lazily loaded part cannot hide them.
import { automation } from './automation.js'
import type { Signal } from './types.js'
import { userAgent } from './userAgent.js'
import { webdriver } from './webdriver.js'

/** Core signals, in run order. */
export const CORE_SIGNALS: readonly Signal[] = [webdriver, automation, userAgent]
