import type { Kenchi } from './client.js'

export interface AttachOptions {
  /** Attribute marking protected forms; its value is the action. Default `data-kenchi-action`. */
  attribute?: string
  /** Name of the hidden input the token goes into. Default `kenchi-token`. */
  field?: string
  /** Longest a submit waits for the token before going ahead without it, in ms. Default 2000. */
  timeout?: number
}

/**
 * Script-tag mode: protects every form carrying `data-kenchi-action="<action>"`, now and later
 * (forms a single-page router adds later are covered: the listener sits on `document`).
 * On submit it holds the submission, puts a fresh token in a hidden input and submits
 * again. If no token can be made within `timeout`, the form is submitted without one and
 * the server's missing-token policy decides, so a customer is never stuck. Also prefetches
 * challenges for marked forms, those on the page and those added later. Returns a function
 * that detaches.
 */
export function attachForms(kenchi: Kenchi, options: AttachOptions = {}): () => void {
  const attribute = options.attribute ?? 'data-kenchi-action'
  const field = options.field ?? 'kenchi-token'
  const timeout = options.timeout ?? 2000
  const passing = new WeakSet<HTMLFormElement>()

  async function onSubmit(event: SubmitEvent): Promise<void> {
    const form = event.target
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute(attribute)) return
    if (passing.has(form)) {
      passing.delete(form)
      return
    }
    if (event.defaultPrevented) return
    event.preventDefault()
    const submitter = event.submitter
    let token = ''
    try {
      token = await withTimeout(kenchi.token(form.getAttribute(attribute) ?? ''), timeout)
    } catch {
      token = ''
    }
    hiddenInput(form, field).value = token
    // The first submit event may still be dispatching (a token can be ready within its
    // microtasks), and a form ignores requestSubmit() while it fires submit events: wait a task.
    await new Promise((resolve) => setTimeout(resolve, 0))
    passing.add(form)
    if (typeof form.requestSubmit === 'function') {
      form.requestSubmit(submitter instanceof HTMLElement && isSubmitter(submitter, form) ? submitter : null)
    } else {
      form.submit()
    }
  }

  const listener = (event: Event) => void onSubmit(event as SubmitEvent)
  document.addEventListener('submit', listener, true)
  const prefetchAll = () => {
    for (const form of document.querySelectorAll<HTMLFormElement>(`form[${attribute}]`)) {
      kenchi.prefetch(form.getAttribute(attribute) ?? '')
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', prefetchAll, { once: true })
  else prefetchAll()
  // Forms added later (single-page routers): fetch their challenge as they appear.
  const selector = `form[${attribute}]`
  const observer =
    typeof MutationObserver === 'function'
      ? new MutationObserver((mutations) => {
          for (const mutation of mutations) {
            for (const node of mutation.addedNodes) {
              if (!(node instanceof Element)) continue
              const forms = node.matches(selector) ? [node] : node.querySelectorAll(selector)
              for (const form of forms) kenchi.prefetch(form.getAttribute(attribute) ?? '')
            }
          }
        })
      : undefined
  observer?.observe(document.documentElement, { childList: true, subtree: true })
  return () => {
    document.removeEventListener('submit', listener, true)
    document.removeEventListener('DOMContentLoaded', prefetchAll)
    observer?.disconnect()
  }
}

function hiddenInput(form: HTMLFormElement, name: string): HTMLInputElement {
  for (const el of form.querySelectorAll<HTMLInputElement>('input[type="hidden"]')) if (el.name === name) return el
  const input = document.createElement('input')
  input.type = 'hidden'
  input.name = name
  form.appendChild(input)
  return input
}

function isSubmitter(el: HTMLElement, form: HTMLFormElement): boolean {
  return (el instanceof HTMLButtonElement || el instanceof HTMLInputElement) && el.form === form
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms)
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    )
  })
}
