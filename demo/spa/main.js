// The quick shop's page script (/spa): the npm import of @kenchi/client, bundled by the
// project's rollup build (rollup.config.mjs) into demo/dist/spa.js. It draws the products,
// and each form sends JSON with a Kenchi token to a route guarded by `kenchi.guard`
// (demo/shop/spa.mjs). DOM calls only (no markup strings), so it runs under the demo's
// strict Content Security Policy.
import { createKenchi } from '@kenchi/client'

// Early: behaviour recording starts now, the device signals when the page is idle.
const kenchi = createKenchi({ endpoint: '/kenchi', workerUrl: '/kenchi/kenchi-worker.min.js' })

const root = document.getElementById('spa')
const status = document.getElementById('spa-status')
const panel = document.getElementById('spa-verdict')

/** Makes an element with attributes and children (strings become text). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value))
  node.append(...children)
  return node
}

function field(label, attributes) {
  return el('label', {}, `${label} `, el('input', attributes))
}

/** Asks for a token for `action`; without one the server's missing-token policy decides. */
async function tokenFor(action) {
  try {
    return await kenchi.token(action)
  } catch {
    return ''
  }
}

async function send(path, action, fields) {
  const kenchiToken = await tokenFor(action)
  try {
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ ...fields, kenchiToken }),
    })
    return await res.json()
  } catch {
    return { kind: 'busy', message: 'We could not reach the shop. Please try again.' }
  }
}

/** The answer as the server-rendered pages show it: a notice (a live region), and the verdict for the demo. */
function showAnswer(answer) {
  const kind = answer.kind === 'accepted' ? 'ok' : answer.kind === 'confirm' ? 'info' : 'error'
  status.className = `notice ${kind}`
  status.replaceChildren(String(answer.message ?? ''))
  if (answer.kind === 'confirm') status.append(' (See the ', el('a', { href: '/mailbox' }, 'mailbox'), '.)')
  const v = answer.verdict
  panel.replaceChildren()
  if (v) {
    const reasons = el('ul', { id: 'reasons' })
    for (const r of v.reasons) reasons.append(el('li', {}, el('code', {}, r.code), ` (weight ${r.weight})`))
    if (v.reasons.length === 0) reasons.append(el('li', {}, 'no reasons'))
    const device = v.device
      ? `Device ${v.device.id}, ${v.device.known ? 'seen before' : 'new'}, status ${v.device.status}.`
      : 'No verified device.'
    const details = el(
      'details',
      { class: 'verdict', open: '' },
      el('summary', {}, 'What Kenchi decided (shown for the demo; a shop keeps this to itself)'),
      el(
        'p',
        {},
        'Verdict: ',
        el('strong', { id: 'decision', class: v.decision }, v.decision),
        ', score ',
        el('strong', { id: 'score' }, String(v.score)),
        ' / 100, event ',
        el('code', { id: 'event' }, v.eventId),
        '.',
      ),
      el('p', {}, device),
      reasons,
    )
    panel.append(details)
  }
  // The answer sits under the list: bring it into view (a phone shows one product at a time).
  status.scrollIntoView({ block: 'nearest' })
}

function productItem(product, customer) {
  const item = el('li', { class: 'product', id: `spa-${product.id}` }, el('h3', {}, product.name), el('p', {}, product.blurb))
  // A customer buys with the address on file; a restock alert may go to any address.
  const emailField = () =>
    field('E-mail', { type: 'email', name: 'email', autocomplete: 'email', required: '', maxlength: '254', value: customer?.email ?? '' })
  let form
  if (product.stock > 0) {
    item.append(el('p', { class: 'price' }, `${product.priceText} · ${product.stock} in stock`))
    form = el(
      'form',
      { class: 'buy', 'data-action': 'checkout' },
      field('Quantity', { type: 'number', name: 'quantity', value: '1', min: '1', max: String(Math.min(10, product.stock)), required: '' }),
      ...(customer ? [] : [emailField()]),
      el('button', { type: 'submit' }, 'Buy now'),
    )
  } else {
    item.append(el('p', { class: 'price' }, `${product.priceText} · `, el('strong', {}, 'out of stock')))
    form = el(
      'form',
      { class: 'restock', 'data-action': 'restock' },
      emailField(),
      el('button', { type: 'submit' }, 'Tell me when it is back'),
    )
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const button = form.querySelector('button')
    button.disabled = true
    const data = Object.fromEntries(new FormData(form))
    const answer =
      form.dataset.action === 'checkout'
        ? await send('/spa/api/buy', 'checkout', { product: product.id, quantity: Number(data.quantity), email: data.email })
        : await send('/spa/api/restock', 'restock', { product: product.id, email: data.email })
    showAnswer(answer)
    await render()
  })
  item.append(form)
  return item
}

async function render() {
  try {
    const res = await fetch('/spa/api/products', { headers: { accept: 'application/json' } })
    const { products, customer } = await res.json()
    const intro = customer
      ? el('p', {}, `You order as ${customer.name} (${customer.email}).`)
      : el('p', {}, 'Not logged in: orders are guest orders with your e-mail address.')
    root.replaceChildren(intro, el('ul', { class: 'products' }, ...products.map((p) => productItem(p, customer))))
    // A challenge waiting for each action, so a submit has no round trip to make (no-op while one waits).
    kenchi.prefetch('checkout')
    if (products.some((p) => p.stock === 0)) kenchi.prefetch('restock')
  } catch {
    root.replaceChildren(el('p', { class: 'notice error' }, 'We could not load the products. Please reload the page.'))
  }
}

render()
