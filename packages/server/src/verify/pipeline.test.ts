// verify() applies a verdict's effects after evaluation, through apply-effects: a write that
// fails is said in the verdict and never changes the decision, and a status shows only once stored.
import { describe, expect, it } from 'vitest'
import { humanSignals, newDevice, tokenFor, withOwnFingerprint } from '../../../../test/support/tokens.js'
import { memoryStore } from '../stores/memory.js'
import { createVerifier } from '../verifier.js'

const ORIGIN = 'https://shop.example'
const UA = (humanSignals().userAgent as { v: string }).v
const STORED_ID = 'SSSSSSSSSSSSSSSSSSSSSS'
const ids = { v: { c: STORED_ID, l: STORED_ID, i: STORED_ID, n: STORED_ID }, d: 0 }

async function setup() {
  const store = memoryStore()
  const verifier = await createVerifier({
    keys: [{ id: 'k1', secret: 'pipeline-secret-pipeline-secret-pipel' }],
    hashSecret: 'pipeline-hash-pipeline-hash-pipeline-ha',
    origins: [ORIGIN],
    store,
  })
  const attempt = async (device: Awaited<ReturnType<typeof newDevice>>, userId: string, webdriver = false) => {
    const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
    const signals = { ...withOwnFingerprint(humanSignals(), device), ids, webdriver: { v: webdriver, d: 0 } }
    return verifier.verify(await tokenFor(challenge, { device, signals }), { action: 'login', ip: '203.0.113.9', userAgent: UA, userId })
  }
  return { store, verifier, attempt }
}

const notes = (v: { reasons: Array<{ code: string; detail?: Record<string, unknown> }> }) =>
  v.reasons.filter((r) => r.code === 'STORE_UNAVAILABLE').map((r) => r.detail?.while)

describe('verify() effects', () => {
  it('links stored ids after the verdict; a link that fails is said, and the claim still counts', async () => {
    const { store, verifier, attempt } = await setup()
    const first = await attempt(await newDevice(), 'alice')
    expect(notes(first)).toEqual([])
    expect((await store.listDeviceUsers(`sid:${STORED_ID}`)).map((l) => l.userHash)).toEqual([first.device!.id])
    const link = store.linkUserDevice.bind(store)
    store.linkUserDevice = (user, device, now) => (device.startsWith('sid:') ? Promise.reject(new Error('down')) : link(user, device, now))
    const second = await attempt(await newDevice(), 'alice')
    expect(notes(second)).toEqual(['linking stored ids'])
    expect(second.device?.linked).toEqual([first.device!.id])
    expect(second.reasons.map((r) => r.code)).toContain('STORED_ID_CONFLICT')
    verifier.close()
  })

  it('shows a new device status only once it is stored', async () => {
    const { store, verifier, attempt } = await setup()
    const device = await newDevice()
    const setDeviceStatus = store.setDeviceStatus
    store.setDeviceStatus = () => Promise.reject(new Error('down'))
    const verdict = await attempt(device, 'bob', true)
    expect(verdict.decision).toBe('deny') // AUTOMATION: the device would become `unknown`
    expect(verdict.device?.status).toBe('waiting')
    expect((await store.getDevice(verdict.device!.id))?.status).toBe('waiting')
    expect(notes(verdict)).toEqual(['updating the device status'])
    expect(await verifier.flush()).toBe(0) // the event is written behind the verdict
    expect((await store.getEvent(verdict.eventId))?.reasons.map((r) => r.code)).toContain('STORE_UNAVAILABLE')
    store.setDeviceStatus = setDeviceStatus
    const next = await attempt(device, 'bob', true)
    expect([next.device?.status, notes(next)]).toEqual(['unknown', []])
    verifier.close()
  })
})
