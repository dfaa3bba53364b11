// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest'
import { runSignal } from './types.js'
import { differences, pageValues, setWorkerUrl, worker } from './worker.js'

afterEach(() => setWorkerUrl(undefined))

describe('worker', () => {
  it('reports only the worker values that differ from the page', () => {
    const page = ['Mozilla/5.0 Chrome/156', 'Win32', 'ja-JP,en', 8, 'Asia/Tokyo', 'ANGLE (NVIDIA)']
    expect(differences(page, [...page])).toEqual({})
    expect(differences(page, ['Mozilla/5.0 HeadlessChrome/156', 'Linux x86_64', 'en-US', 2, 'UTC', 'SwiftShader'])).toEqual({
      userAgent: 'Mozilla/5.0 HeadlessChrome/156',
      platform: 'Linux x86_64',
      languages: 'en-US',
      cores: 2,
      timezone: 'UTC',
      webgl: 'SwiftShader',
    })
    // A worker without WebGL says nothing about the page's WebGL.
    expect(differences(page, [...page.slice(0, 5), ''])).toEqual({})
  })

  it('reads the page values in the order the worker posts them', () => {
    const values = pageValues()
    expect(values).toHaveLength(6)
    expect(values[0]).toBe(navigator.userAgent)
  })

  it('is unsupported until told where the worker script is', async () => {
    expect(await runSignal(worker)).toMatchObject({ e: 'unsupported' })
  })
})
