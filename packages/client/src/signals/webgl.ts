import { glInfo } from './gl.js'
import { UnsupportedError, type Signal } from './types.js'

/**
 * WebGL `[vendor, renderer]`, unmasked when the browser allows (WEBGL_debug_renderer_info).
 * A software renderer (SwiftShader, llvmpipe) is usual for headless browsers and virtual
 * desktops alike: a doubt, not a verdict. The canvas is never attached to the page, and
 * the context is made once for every signal that needs it.
 */
export const webgl: Signal = {
  name: 'webgl',
  collect: () => {
    const info = glInfo()
    if (!info) throw new UnsupportedError()
    return info
  },
}
