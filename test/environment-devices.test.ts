// @vitest-environment happy-dom
// Genuine phones, tablets, in-app browsers, Firefox and WebKit (test/fixtures/devices/)
// get no HEADLESS, ENVIRONMENT_TAMPERED or ENVIRONMENT_INCONSISTENT: the client's own
// collectors run over each device's values in happy-dom, and the server's rules over what
// they report plus the raw values. Desktop browsers pretending to be phones are caught by
// the server's re-check alone (the client's findings left out, as a script would drop them).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { consistency } from '../packages/client/src/signals/consistency.js'
import { headless } from '../packages/client/src/signals/headless.js'
import { consistencyRule, headlessRule, tamperingRule } from '../packages/server/src/rules/index.js'
import { ruleInput } from './support/rule-input.js'
import { applyDevice, deviceSignals, GENUINE_DEVICES, PRETENDING_DEVICES, resetDevice, type DeviceFixture } from './support/devices.js'

afterEach(() => {
  vi.restoreAllMocks()
  resetDevice()
})

async function clientFindings(d: DeviceFixture) {
  applyDevice(d)
  return { headless: (await headless.collect()) as string[], consistency: consistency.collect() as string[] }
}

const rules = [headlessRule(), tamperingRule(), consistencyRule()]
async function reasons(d: DeviceFixture, client: Parameters<typeof deviceSignals>[1]) {
  const input = ruleInput({ userAgent: d.ua }, { signals: deviceSignals(d, client) })
  return (await Promise.all(rules.map(async (r) => r.evaluate(input)))).flat()
}

describe('genuine devices and engines', () => {
  it('the fixtures cover iPhone, iPad, Android Chrome, Samsung Internet, LINE, Instagram, Firefox and WebKit', () => {
    const names = GENUINE_DEVICES.map((d) => d.name).join('\n')
    for (const kind of [
      'iPhone',
      'iPad',
      'Android 14 Chrome',
      'Samsung Internet',
      'LINE in-app browser on iPhone',
      'LINE in-app browser on Android',
      'Instagram in-app browser on iPhone',
      'Instagram in-app browser on Android',
      'Firefox 128 on Android',
      'Firefox 128 on Windows',
      'Firefox ESR 153',
      'WebKitGTK',
    ]) {
      expect(names).toContain(kind)
    }
  })

  for (const d of GENUINE_DEVICES) {
    // A machine without a GPU renders WebGL in software: a weak doubt (weight 5) and nothing more.
    const software = /llvmpipe|SwiftShader/.test(d.webgl?.[1] ?? '')
    it(`${d.name}: the client finds nothing, the server gives no environment reason`, async () => {
      const client = await clientFindings(d)
      expect(client).toEqual({ headless: [], consistency: software ? ['webgl-software'] : [] })
      expect(await reasons(d, client)).toEqual(
        software ? [{ code: 'ENVIRONMENT_INCONSISTENT', weight: 5, detail: { found: ['webgl-software'] } }] : [],
      )
    })
  }
})

describe('desktop browsers pretending to be phones', () => {
  for (const d of PRETENDING_DEVICES) {
    it(`${d.name}: ENVIRONMENT_INCONSISTENT of weight 40 or more from the server's re-check alone`, async () => {
      const found = await reasons(d, {})
      const inconsistent = found.find((r) => r.code === 'ENVIRONMENT_INCONSISTENT')
      expect(inconsistent?.weight, JSON.stringify(found)).toBeGreaterThanOrEqual(40)
    })
  }

  it('the client reports its share too (user agent vs platform, client hints version)', async () => {
    expect((await clientFindings(PRETENDING_DEVICES[0]!)).consistency).toEqual(['ua-platform', 'webgl-software'])
    vi.restoreAllMocks()
    resetDevice()
    expect((await clientFindings(PRETENDING_DEVICES[1]!)).consistency).toEqual(['ua-hints-version', 'webgl-software'])
  })
})
