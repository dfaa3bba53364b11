// A typical storefront using Kenchi's npm mode: create the client early, prefetch a
// challenge, and send a token with the login form. Bundled by bench/lib/apps.mjs.
import { createKenchi } from '@kenchi/client'

const kenchi = createKenchi({ endpoint: '/kenchi', workerUrl: '/kenchi/kenchi-worker.min.js' })
kenchi.prefetch('login')

document.addEventListener('submit', async (event) => {
  const form = event.target
  if (form.dataset.sent) return
  event.preventDefault()
  const input = Object.assign(document.createElement('input'), { type: 'hidden', name: 'kenchi-token' })
  input.value = await kenchi.token('login').catch(() => '')
  form.append(input)
  form.dataset.sent = '1'
  form.requestSubmit()
})
