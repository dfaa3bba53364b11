// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { runSignal } from './types.js'
import { resetGlInfo } from './gl.js'
import { webgl } from './webgl.js'

afterEach(() => {
  vi.restoreAllMocks()
  resetGlInfo()
})

describe('webgl', () => {
  it('reads the unmasked vendor and renderer', () => {
    const info = { UNMASKED_VENDOR_WEBGL: 1, UNMASKED_RENDERER_WEBGL: 2 }
    const gl = {
      VENDOR: 3,
      RENDERER: 4,
      getExtension: (name: string) => (name === 'WEBGL_debug_renderer_info' ? info : null),
      getParameter: (p: number) => ({ 1: 'Google Inc. (Google)', 2: 'ANGLE (SwiftShader)' })[p as 1 | 2],
    }
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(gl as never)
    expect(webgl.collect()).toEqual(['Google Inc. (Google)', 'ANGLE (SwiftShader)'])
  })

  it('is unsupported without WebGL', async () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null)
    expect(await runSignal(webgl)).toMatchObject({ e: 'unsupported' })
  })
})
