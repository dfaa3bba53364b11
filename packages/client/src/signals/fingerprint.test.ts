import { describe, expect, it, vi } from 'vitest'
import { deviceHashes } from '@kenchi/protocol'

// FingerprintJS needs a real browser (the Chromium tests run it for real); here its
// components are fixed to check how they are grouped and hashed.
const components = {
  screenResolution: { value: [1920, 1080], duration: 0 },
  timezone: { value: 'Asia/Tokyo', duration: 0 },
  fonts: { value: ['Meiryo'], duration: 5 },
  canvas: { value: { geometry: 'abc', text: 'def', winding: true }, duration: 9 },
  brandNewSource: { value: 1, duration: 0 },
  audio: { error: new Error('x'), duration: 1 },
}
vi.mock('./fingerprint-components.js', async () => {
  const { hashComponents } = await import('@fingerprintjs/fingerprintjs')
  return { collectComponents: async () => components, hashComponents }
})

const { fingerprint } = await import('./fingerprint.js')

describe('fingerprint', () => {
  it('sends one short hash per component group, never the raw components', async () => {
    const value = (await fingerprint.collect()) as { g: Record<string, string> }
    expect(Object.keys(value)).toEqual(['g'])
    expect(Object.keys(value.g)).toEqual(['audio', 'fonts', 'graphics', 'locale', 'other', 'screen'])
    for (const hash of Object.values(value.g)) expect(hash).toMatch(/^[0-9a-f]{8}$/)
    expect(JSON.stringify(value)).not.toContain('Meiryo')
    expect(deviceHashes(value)?.coarse).toMatch(/^[0-9a-f]{16}$/)
  })

  it('keeps the coarse hash when only browser-version groups change', async () => {
    const before = deviceHashes(await fingerprint.collect())!
    components.canvas.value.geometry = 'changed by a browser update'
    const after = deviceHashes(await fingerprint.collect())!
    expect(after.coarse).toBe(before.coarse)
    expect(after.fine).not.toBe(before.fine)
  })
})
