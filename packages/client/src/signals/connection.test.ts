// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest'
import { connection } from './connection.js'
import { runSignal } from './types.js'

afterEach(() => {
  delete (navigator as unknown as Record<string, unknown>).connection
})

describe('connection', () => {
  it('sends effective type, rtt, downlink and save-data', () => {
    Object.defineProperty(navigator, 'connection', {
      configurable: true,
      value: { effectiveType: '4g', rtt: 50, downlink: 10, saveData: false },
    })
    expect(connection.collect()).toEqual(['4g', 50, 10, false])
  })

  it('is unsupported without the Network Information API', async () => {
    expect(await runSignal(connection)).toMatchObject({ e: 'unsupported' })
  })
})
