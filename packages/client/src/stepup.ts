// An optional, small helper for the step-up code prompt, separate from the core client
// (its own script file and its own module entry, so the core stays within its budget).
//
// Hooks for shops that draw their own prompt: `createStepUpClient({ checkUrl, resendUrl })`
// posts `{ code }` and `{}` as JSON to the shop's own endpoints and resolves their JSON.
// The prompt: `mountCodePrompt(container, options)` draws a labelled form with DOM calls
// only (no markup strings, no inline styles: fine under a strict CSP), announces progress
// in a polite live region and failures in an alert, and calls `onPassed` when the code
// is accepted. Script tag: every `[data-kenchi-step-up]` element is mounted on load, with
// `data-check-url`, `data-resend-url`, `data-next` (where to go once passed) and
// `data-digits`.

/** What the shop's check and resend endpoints answer (the server's step-up result as JSON). */
export interface StepUpResponse {
  ok: boolean
  /** A stable code such as `STEP_UP_WRONG_CODE` when `ok` is false. */
  code?: string
  attemptsLeft?: number
  retryAfterMs?: number
  /** For resends: the earliest next resend, Unix ms. */
  resendAfter?: number
}

export interface StepUpClientOptions {
  /** The shop's endpoint that checks a code (POST JSON `{ code }`). */
  checkUrl: string
  /** The shop's endpoint that sends a new code (POST JSON `{}`). */
  resendUrl?: string
  /** Extra request headers, e.g. a CSRF token. */
  headers?: Record<string, string>
}

export interface StepUpClient {
  check(code: string): Promise<StepUpResponse>
  resend(): Promise<StepUpResponse>
}

/** Plain hooks to the shop's endpoints; a network failure or a non-JSON answer resolves `{ ok: false, code: 'NETWORK_ERROR' }`. */
export function createStepUpClient(options: StepUpClientOptions): StepUpClient {
  async function post(url: string | undefined, body: unknown): Promise<StepUpResponse> {
    if (!url) return { ok: false, code: 'NETWORK_ERROR' }
    try {
      const response = await fetch(url, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
        body: JSON.stringify(body),
      })
      const data = (await response.json()) as StepUpResponse
      return typeof data === 'object' && data !== null && typeof data.ok === 'boolean' ? data : { ok: false, code: 'NETWORK_ERROR' }
    } catch {
      return { ok: false, code: 'NETWORK_ERROR' }
    }
  }
  return {
    check: (code) => post(options.checkUrl, { code }),
    resend: () => post(options.resendUrl, {}),
  }
}

/** Texts of the prompt; replace any for another language. `{n}` is a number. */
export const DEFAULT_TEXTS = {
  label: 'Code from the message we sent you',
  hint: 'Enter the {n}-digit code.',
  submit: 'Confirm',
  resend: 'Send a new code',
  checking: 'Checking…',
  passed: 'Confirmed.',
  sent: 'A new code is on its way.',
  STEP_UP_WRONG_CODE: 'That code is not right. Attempts left: {n}.',
  STEP_UP_EXPIRED: 'That code has expired. Ask for a new one.',
  STEP_UP_USED: 'That code has already been used.',
  STEP_UP_TOO_MANY_ATTEMPTS: 'Too many attempts. Please start again.',
  STEP_UP_COOLDOWN: 'Please wait a moment before asking for another code.',
  STEP_UP_RESEND_LIMIT: 'No more codes can be sent. Please start again.',
  STEP_UP_RATE_LIMITED: 'Too many requests. Please try again later.',
  STEP_UP_INPUT_INVALID: 'Enter the {n}-digit code.',
  error: 'Something went wrong ({code}). Please try again.',
} as const

export type StepUpTexts = { -readonly [K in keyof typeof DEFAULT_TEXTS]: string }

export interface CodePromptOptions extends StepUpClientOptions {
  /** Digits per code. Default 6. */
  digits?: number
  texts?: Partial<StepUpTexts>
  /** Called once the code is accepted. */
  onPassed?: (response: StepUpResponse) => void
  /** Called after every refused code or resend, with the server's code. */
  onFailed?: (response: StepUpResponse) => void
}

export interface CodePrompt {
  /** The form element drawn into the container. */
  readonly form: HTMLFormElement
  focus(): void
  /** Removes the prompt. */
  destroy(): void
}

let counter = 0

/** Draws the code prompt into `container`. */
export function mountCodePrompt(container: Element, options: CodePromptOptions): CodePrompt {
  const doc = container.ownerDocument
  const texts: StepUpTexts = { ...DEFAULT_TEXTS, ...options.texts }
  const digits = options.digits ?? 6
  const client = createStepUpClient(options)
  const id = `kenchi-step-up-${++counter}`
  const el = <K extends keyof HTMLElementTagNameMap>(
    tag: K,
    props: Record<string, string> = {},
    text?: string,
  ): HTMLElementTagNameMap[K] => {
    const node = doc.createElement(tag)
    for (const [k, v] of Object.entries(props)) node.setAttribute(k, v)
    if (text !== undefined) node.textContent = text
    return node
  }
  const say = (template: string, n?: number, code?: string) => template.replace('{n}', String(n ?? digits)).replace('{code}', code ?? '')

  const form = el('form', { class: 'kenchi-step-up', novalidate: '' })
  const label = el('label', { for: `${id}-code` }, texts.label)
  const hint = el('p', { id: `${id}-hint`, class: 'kenchi-step-up-hint' }, say(texts.hint))
  const input = el('input', {
    id: `${id}-code`,
    name: 'code',
    type: 'text',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: `[0-9]{${digits}}`,
    maxlength: String(digits + 2),
    required: '',
    'aria-describedby': `${id}-hint ${id}-error`,
  })
  const submit = el('button', { type: 'submit', class: 'kenchi-step-up-submit' }, texts.submit)
  const status = el('p', { id: `${id}-status`, role: 'status', 'aria-live': 'polite', class: 'kenchi-step-up-status' })
  const error = el('p', { id: `${id}-error`, role: 'alert', class: 'kenchi-step-up-error' })
  form.append(label, hint, input, submit)
  let resend: HTMLButtonElement | undefined
  if (options.resendUrl) {
    resend = el('button', { type: 'button', class: 'kenchi-step-up-resend' }, texts.resend)
    form.append(resend)
  }
  form.append(status, error)
  container.append(form)

  let busy = false
  const setBusy = (on: boolean) => {
    busy = on
    submit.disabled = on
    if (resend) resend.disabled = on
    form.setAttribute('aria-busy', String(on))
  }
  const failed = (response: StepUpResponse) => {
    const code = response.code ?? 'error'
    const template = (texts as Record<string, string>)[code] ?? texts.error
    error.textContent = say(template, code === 'STEP_UP_WRONG_CODE' ? response.attemptsLeft : undefined, code)
    status.textContent = ''
    input.setAttribute('aria-invalid', 'true')
    if (code === 'STEP_UP_TOO_MANY_ATTEMPTS' || code === 'STEP_UP_USED' || code === 'STEP_UP_RESEND_LIMIT') {
      input.disabled = true
      submit.disabled = true
    }
    options.onFailed?.(response)
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    if (busy) return
    const code = input.value.replace(/[\s-]/g, '')
    if (!new RegExp(`^\\d{${digits}}$`).test(code)) return failed({ ok: false, code: 'STEP_UP_INPUT_INVALID' })
    setBusy(true)
    error.textContent = ''
    status.textContent = texts.checking
    void client.check(code).then((response) => {
      setBusy(false)
      if (response.ok) {
        status.textContent = texts.passed
        input.removeAttribute('aria-invalid')
        input.disabled = true
        submit.disabled = true
        if (resend) resend.disabled = true
        options.onPassed?.(response)
      } else {
        failed(response)
        if (!input.disabled) {
          input.select()
          input.focus()
        }
      }
    })
  })
  resend?.addEventListener('click', () => {
    if (busy) return
    setBusy(true)
    error.textContent = ''
    void client.resend().then((response) => {
      setBusy(false)
      if (response.ok) {
        status.textContent = texts.sent
        input.value = ''
        input.removeAttribute('aria-invalid')
        input.focus()
      } else failed(response)
    })
  })

  return {
    form,
    focus: () => input.focus(),
    destroy: () => form.remove(),
  }
}

/** Mounts a prompt on every `[data-kenchi-step-up]` element not mounted yet; for the script tag. */
export function mountAll(root: ParentNode = document): CodePrompt[] {
  const prompts: CodePrompt[] = []
  for (const node of Array.from(root.querySelectorAll<HTMLElement>('[data-kenchi-step-up]'))) {
    if (node.dataset.kenchiMounted || !node.dataset.checkUrl) continue
    node.dataset.kenchiMounted = '1'
    const next = node.dataset.next
    const prompt = mountCodePrompt(node, {
      checkUrl: node.dataset.checkUrl,
      ...(node.dataset.resendUrl ? { resendUrl: node.dataset.resendUrl } : {}),
      ...(node.dataset.digits ? { digits: Number(node.dataset.digits) } : {}),
      onPassed: (response) => {
        node.dispatchEvent(new CustomEvent('kenchi:step-up-passed', { bubbles: true, detail: response }))
        // Same-origin paths only: a page cannot be made to send users elsewhere.
        if (next && next.startsWith('/') && !next.startsWith('//')) location.assign(next)
      },
      onFailed: (response) => node.dispatchEvent(new CustomEvent('kenchi:step-up-failed', { bubbles: true, detail: response })),
    })
    prompt.focus()
    prompts.push(prompt)
  }
  return prompts
}
