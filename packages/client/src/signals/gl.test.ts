// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { glInfo, resetGlInfo } from './gl.js'

afterEach(() => {
  vi.restoreAllMocks()
  resetGlInfo()
})

describe('glInfo', () => {
  it('makes one WebGL context for the page and remembers the answer', () => {
    const gl = {
      VENDOR: 1,
      RENDERER: 2,
      getExtension: () => null,
      getParameter: (p: number) => (p === 1 ? 'Vendor' : 'Renderer'),
    }
    const getContext = vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(gl as never)
    expect(glInfo()).toEqual(['Vendor', 'Renderer'])
    expect(glInfo()).toEqual(['Vendor', 'Renderer'])
    expect(getContext).toHaveBeenCalledTimes(1)
  })

  it('answers null without WebGL', () => {
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null)
    expect(glInfo()).toBeNull()
  })
})
