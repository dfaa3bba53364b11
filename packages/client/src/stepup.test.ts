// @vitest-environment happy-dom
// @vitest-environment-options {"url": "http://shop.test/login/code"}
// The step-up helper as an npm module: the prompt's markup and accessibility, and the
// hooks posting to the shop's endpoints (fetch stubbed; the browser test uses the real thing).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createStepUpClient, mountAll, mountCodePrompt, type StepUpResponse } from './stepup.js'

const calls: Array<{ url: string; body: unknown }> = []
function answer(...responses: StepUpResponse[]): void {
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, body: JSON.parse(String(init.body)) })
    const next = responses.shift()
    if (!next) throw new TypeError('network down')
    return new Response(JSON.stringify(next), { headers: { 'content-type': 'application/json' } })
  })
}
afterEach(() => {
  vi.unstubAllGlobals()
  calls.length = 0
  document.body.replaceChildren()
})
const settle = () => new Promise((resolve) => setTimeout(resolve, 10))

describe('step-up helper', () => {
  it('createStepUpClient posts JSON and resolves the answer; a network failure is NETWORK_ERROR', async () => {
    answer({ ok: false, code: 'STEP_UP_WRONG_CODE', attemptsLeft: 4 }, { ok: true })
    const client = createStepUpClient({ checkUrl: '/code', resendUrl: '/resend', headers: { 'x-csrf': 't' } })
    expect(await client.check('123456')).toEqual({ ok: false, code: 'STEP_UP_WRONG_CODE', attemptsLeft: 4 })
    expect(await client.resend()).toEqual({ ok: true })
    expect(await client.check('123456')).toEqual({ ok: false, code: 'NETWORK_ERROR' })
    expect(calls).toEqual([
      { url: '/code', body: { code: '123456' } },
      { url: '/resend', body: {} },
      { url: '/code', body: { code: '123456' } },
    ])
  })

  it('draws a labelled, described numeric field; announces failures in an alert; calls onPassed', async () => {
    answer({ ok: false, code: 'STEP_UP_WRONG_CODE', attemptsLeft: 2 }, { ok: true })
    const passed: StepUpResponse[] = []
    const failed: StepUpResponse[] = []
    const prompt = mountCodePrompt(document.body, { checkUrl: '/code', onPassed: (r) => passed.push(r), onFailed: (r) => failed.push(r) })
    const input = prompt.form.querySelector('input')!
    const label = prompt.form.querySelector('label')!
    expect(label.getAttribute('for')).toBe(input.id)
    expect(input.getAttribute('autocomplete')).toBe('one-time-code')
    expect(input.getAttribute('inputmode')).toBe('numeric')
    const alert = prompt.form.querySelector('[role=alert]')!
    expect(input.getAttribute('aria-describedby')).toContain(alert.id)
    expect(prompt.form.querySelector('[role=status]')!.getAttribute('aria-live')).toBe('polite')

    input.value = '12'
    prompt.form.requestSubmit()
    await settle()
    expect(alert.textContent).toBe('Enter the 6-digit code.')
    expect(calls).toHaveLength(0)

    input.value = '111 111'
    prompt.form.requestSubmit()
    await settle()
    expect(alert.textContent).toBe('That code is not right. Attempts left: 2.')
    expect(input.getAttribute('aria-invalid')).toBe('true')
    input.value = '222-222'
    prompt.form.requestSubmit()
    await settle()
    expect(calls.map((c) => c.body)).toEqual([{ code: '111111' }, { code: '222222' }])
    expect(passed).toEqual([{ ok: true }])
    expect(failed.map((f) => f.code)).toEqual(['STEP_UP_INPUT_INVALID', 'STEP_UP_WRONG_CODE'])
    expect(input.disabled).toBe(true)
    prompt.destroy()
    expect(document.body.children).toHaveLength(0)
  })

  it('locks the prompt on too many attempts; texts can be replaced', async () => {
    answer({ ok: false, code: 'STEP_UP_TOO_MANY_ATTEMPTS' })
    const prompt = mountCodePrompt(document.body, { checkUrl: '/code', texts: { STEP_UP_TOO_MANY_ATTEMPTS: '試行回数の上限です。' } })
    prompt.form.querySelector('input')!.value = '123456'
    prompt.form.requestSubmit()
    await settle()
    expect(prompt.form.querySelector('[role=alert]')!.textContent).toBe('試行回数の上限です。')
    expect(prompt.form.querySelector('input')!.disabled).toBe(true)
  })

  it('mountAll mounts each [data-kenchi-step-up] once and fires events', async () => {
    answer({ ok: true })
    const host = document.createElement('div')
    host.dataset.kenchiStepUp = ''
    host.dataset.checkUrl = '/code'
    document.body.append(host)
    const events: string[] = []
    document.body.addEventListener('kenchi:step-up-passed', () => events.push('passed'))
    expect(mountAll()).toHaveLength(1)
    expect(mountAll()).toHaveLength(0)
    host.querySelector('input')!.value = '654321'
    host.querySelector('form')!.requestSubmit()
    await settle()
    expect(events).toEqual(['passed'])
  })
})
