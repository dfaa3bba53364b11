// Issue 14, finding 6: a token with no signals and no behaviour scored 0 (allow), and
// flooding a bounded store with new device keys evicted a fraud-labelled device's status.
// Missing signals are now a doubt (SIGNALS_MISSING), calibrated so that a genuine browser
// whose lazily loaded signals were slow is not held up; labels and fraud status are never
// evicted for capacity. On the memory, SQLite and Redis stores.
import { createVerifier, type Store, type Verdict } from '@kenchi/server'
import type { SignalResult } from '@kenchi/protocol'
import { expect, it } from 'vitest'
import { humanTyping, rng } from '../../bench/behaviour-gen.mjs'
import { humanSignals, newDevice, tokenFor, type TestDevice } from '../support/tokens.js'
import { describeOnTrustStores } from './trust-stores.js'

const ORIGIN = 'https://shop.example'
const UA = (humanSignals().userAgent as { v: string }).v

async function shop(store: Store) {
  const verifier = await createVerifier({
    keys: [{ id: 'k1', secret: 'signals-secret-signals-secret-signals-00' }],
    hashSecret: 'signals-hash-signals-hash-signals-hash-00',
    origins: [ORIGIN],
    store,
  })
  async function attempt(
    device: TestDevice,
    action: string,
    context: { ip: string; userId?: string },
    signals: Record<string, SignalResult>,
    behaviour?: Record<string, number[]>,
  ): Promise<Verdict> {
    const { challenge } = await verifier.challenge({ action, origin: ORIGIN })
    const token = await tokenFor(challenge, { device, signals, ...(behaviour ? { edit: (body) => void (body.b = behaviour) } : {}) })
    return verifier.verify(token, { action, userAgent: UA, ...context })
  }
  return { verifier, attempt }
}

const codes = (v: Verdict) => v.reasons.map((r) => r.code)
/** What the early script alone sends: the three core signals. */
const core = () => {
  const { webdriver, automation, userAgent } = humanSignals()
  return { webdriver: webdriver!, automation: automation!, userAgent: userAgent! }
}
/** A person's typing of a login, as the recorder in the early script sends it. */
const typing = () => humanTyping(rng(7)) as Record<string, number[]>

describeOnTrustStores('missing signals are a doubt', (backend) => {
  it('a token with no signals and no behaviour is not allowed', async () => {
    const store = await backend.open()
    const { attempt } = await shop(store)
    const empty = await attempt(await newDevice(), 'checkout', { ip: '198.51.100.90' }, {})
    expect(empty.decision).toBe('challenge')
    expect(empty.reasons).toContainEqual(
      expect.objectContaining({ code: 'SIGNALS_MISSING', detail: { missing: ['core', 'device', 'behaviour'] } }),
    )
    // Signals that all report an error are no evidence either.
    const errors = await attempt(
      await newDevice(),
      'checkout',
      { ip: '198.51.100.91' },
      { webdriver: { e: 'timeout', d: 0 }, automation: { e: 'timeout', d: 0 }, userAgent: { e: 'timeout', d: 0 } },
    )
    expect(errors.decision).toBe('challenge')
    expect(codes(errors)).toContain('SIGNALS_MISSING')
    await store.close()
  })

  it('a genuine browser whose lazy signals had not arrived (core signals and typing) is allowed', async () => {
    const store = await backend.open()
    const { attempt } = await shop(store)
    const slow = await attempt(await newDevice(), 'checkout', { ip: '203.0.113.90' }, core(), typing())
    expect(codes(slow)).toEqual([])
    expect(slow.decision).toBe('allow')
    // Core signals but no behaviour and no device signals: a doubt that alone allows...
    const bare = await attempt(await newDevice(), 'checkout', { ip: '203.0.113.91' }, core())
    expect(bare.decision).toBe('allow')
    expect(bare.reasons).toEqual([{ code: 'SIGNALS_MISSING', weight: 20, detail: { missing: ['device', 'behaviour'] } }])
    // ...and every device signal with behaviour: nothing missing.
    const full = await attempt(await newDevice(), 'checkout', { ip: '203.0.113.92' }, humanSignals(), typing())
    expect(codes(full)).not.toContain('SIGNALS_MISSING')
    await store.close()
  })
})

describeOnTrustStores('labels and fraud status are never evicted for capacity', (backend) => {
  it('flooding the store with new device keys leaves a fraud-labelled device denied and its label readable', async () => {
    const store = await backend.open({ maxDevices: 5, maxEvents: 5 })
    const { verifier, attempt } = await shop(store)
    const fraudster = await newDevice()
    const marked = await attempt(fraudster, 'checkout', { ip: '198.51.100.100' }, humanSignals())
    await verifier.label(marked.eventId, 'fraud', { comment: 'chargeback' })
    for (let i = 0; i < 20; i++) await attempt(await newDevice(), 'checkout', { ip: `203.0.113.${100 + i}` }, humanSignals())
    await backend.enforceBounds(store)
    const again = await attempt(fraudster, 'checkout', { ip: '192.0.2.100' }, humanSignals())
    expect(again.decision).toBe('deny')
    expect(codes(again)).toContain('NG_DEVICE')
    expect(again.device).toMatchObject({ known: true, status: 'fraud' })
    await backend.enforceBounds(store)
    expect((await store.getEvent(marked.eventId))?.label).toMatchObject({ label: 'fraud', comment: 'chargeback' })
    await store.close()
  })
})
