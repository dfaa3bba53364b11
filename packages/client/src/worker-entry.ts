// Entry of dist/kenchi-worker.min.js: runs in a dedicated worker and posts back what the
// worker's own navigator, Intl and WebGL say, for the `worker` signal to compare with the
// page's. Stealth tools patch the page and usually forget workers.
const scope = self as unknown as { postMessage(value: unknown): void }
let renderer = ''
try {
  const gl = new OffscreenCanvas(1, 1).getContext('webgl') as WebGLRenderingContext | null
  const info = gl?.getExtension('WEBGL_debug_renderer_info')
  renderer = gl ? String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '') : ''
} catch {
  // no WebGL in workers here
}
scope.postMessage([
  navigator.userAgent,
  (navigator as Navigator & { platform?: string }).platform ?? '',
  [...(navigator.languages ?? [])].join(','),
  navigator.hardwareConcurrency ?? -1,
  Intl.DateTimeFormat().resolvedOptions().timeZone ?? '',
  renderer,
])
