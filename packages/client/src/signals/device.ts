// Device, environment and consistency signals: the part the script tag loads lazily
// (kenchi-signals.min.js) together with FingerprintJS.
import { clientHints } from './clientHints.js'
import { connection } from './connection.js'
import { consistency } from './consistency.js'
import { fingerprint } from './fingerprint.js'
import { fontOs } from './font-os.js'
import { hardware } from './hardware.js'
import { headless } from './headless.js'
import { ids } from './ids.js'
import { languages } from './languages.js'
import { platform } from './platform.js'
import { screen } from './screen.js'
import { storage } from './storage.js'
import { tampering } from './tampering.js'
import { timezone } from './timezone.js'
import type { Signal } from './types.js'
import { webgl } from './webgl.js'
import { worker } from './worker.js'

/** Device signals, in run order: cheap reads first, FingerprintJS and the desktop-font probe last. */
export const DEVICE_SIGNALS: readonly Signal[] = [
  headless,
  tampering,
  platform,
  clientHints,
  languages,
  timezone,
  screen,
  hardware,
  connection,
  storage,
  ids,
  webgl,
  consistency,
  worker,
  fingerprint,
  fontOs,
]
