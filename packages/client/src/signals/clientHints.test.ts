// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest'
import { clientHints } from './clientHints.js'
import { runSignal } from './types.js'

afterEach(() => {
  delete (navigator as unknown as Record<string, unknown>).userAgentData
})

describe('clientHints', () => {
  it('sends platform, mobile and brands with major versions', () => {
    Object.defineProperty(navigator, 'userAgentData', {
      configurable: true,
      value: {
        platform: 'Windows',
        mobile: false,
        brands: [
          { brand: 'Chromium', version: '156' },
          { brand: 'Not;A=Brand', version: '24' },
        ],
      },
    })
    expect(clientHints.collect()).toEqual(['Windows', false, 'Chromium/156,Not;A=Brand/24'])
  })

  it('is unsupported where the API is missing', async () => {
    expect(await runSignal(clientHints)).toMatchObject({ e: 'unsupported' })
  })
})
