// One WebGL context for every signal that asks about the GPU: creating a context costs
// 10–70 ms on software renderers, so it is made once and remembered for the page.
let cached: [string, string] | null | undefined

/** `[vendor, renderer]` (unmasked when allowed), or `null` without WebGL. Remembered after the first call. */
export function glInfo(): [string, string] | null {
  if (cached !== undefined) return cached
  cached = null
  try {
    const canvas = document.createElement('canvas')
    const gl = (canvas.getContext('webgl') ?? canvas.getContext('experimental-webgl')) as WebGLRenderingContext | null
    if (gl) {
      const info = gl.getExtension('WEBGL_debug_renderer_info')
      const vendor = gl.getParameter(info ? info.UNMASKED_VENDOR_WEBGL : gl.VENDOR)
      const renderer = gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER)
      gl.getExtension('WEBGL_lose_context')?.loseContext()
      cached = [String(vendor ?? '').slice(0, 128), String(renderer ?? '').slice(0, 256)]
    }
  } catch {
    cached = null
  }
  return cached
}

/** Forgets the remembered answer (tests). */
export function resetGlInfo(): void {
  cached = undefined
}
