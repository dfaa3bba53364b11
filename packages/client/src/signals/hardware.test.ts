// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { hardware } from './hardware.js'

afterEach(() => {
  vi.restoreAllMocks()
  delete (navigator as unknown as Record<string, unknown>).deviceMemory
})

describe('hardware', () => {
  it('sends memory, cores and touch points, -1 when unknown', () => {
    vi.spyOn(navigator, 'hardwareConcurrency', 'get').mockReturnValue(8)
    expect(hardware.collect()).toEqual([-1, 8, 0])
    Object.defineProperty(navigator, 'deviceMemory', { configurable: true, value: 4 })
    expect((hardware.collect() as number[])[0]).toBe(4)
  })
})
