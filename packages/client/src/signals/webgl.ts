import { UnsupportedError, type Signal } from './types.js'

/**
 * WebGL `[vendor, renderer]`, unmasked when the browser allows (WEBGL_debug_renderer_info).
 * A software renderer (SwiftShader, llvmpipe) is usual for headless browsers and virtual
 * desktops alike: a doubt, not a verdict. The canvas is never attached to the page.
 */
export const webgl: Signal = {
  name: 'webgl',
  collect: () => {
    const canvas = document.createElement('canvas')
    const gl = (canvas.getContext('webgl') ?? canvas.getContext('experimental-webgl')) as WebGLRenderingContext | null
    if (!gl) throw new UnsupportedError()
    const info = gl.getExtension('WEBGL_debug_renderer_info')
    const vendor = gl.getParameter(info ? info.UNMASKED_VENDOR_WEBGL : gl.VENDOR)
    const renderer = gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER)
    gl.getExtension('WEBGL_lose_context')?.loseContext()
    return [String(vendor ?? '').slice(0, 128), String(renderer ?? '').slice(0, 256)]
  },
}
