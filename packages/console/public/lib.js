// Shared helpers of the console pages: the JSON API, building DOM nodes (never innerHTML
// with data), formatting events, reasons and decisions, and the attack-mode badge.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message ? `${code}: ${message}` : code)
    this.status = status
    this.code = code
  }
}

/** Where the console is mounted (no trailing slash), its CSRF token and the site shown, from the page. */
export const BASE = document.body.dataset.base ?? ''
const CSRF = document.body.dataset.csrf ?? ''
const SITE = document.body.dataset.site ?? ''

/** A console link (`path` under BASE, e.g. `/events/…` or `?ip=…`) that keeps the page's site. */
export const link = (path) => {
  const href = `${BASE}${path}` || '/'
  return SITE ? `${href}${href.includes('?') ? '&' : '?'}site=${encodeURIComponent(SITE)}` : href
}

/**
 * Calls the console's JSON API (`path` without the <base>/api/ prefix); rejects with `ApiError`.
 * Sends the CSRF token on every change, and the page's site.
 */
export async function api(path, { method = 'GET', body } = {}) {
  const init = { method, credentials: 'same-origin', headers: {} }
  if (method !== 'GET' && method !== 'HEAD') init.headers['x-csrf-token'] = CSRF
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  const url = new URL(`${BASE}/api/${path}`, location.href)
  if (SITE) url.searchParams.set('site', SITE)
  const res = await fetch(url, init)
  let data
  try {
    data = await res.json()
  } catch {
    data = undefined
  }
  if (!res.ok) throw new ApiError(res.status, data?.error ?? `HTTP_${res.status}`, data?.message)
  return data
}

/**
 * Makes an element. `attrs`: `class`, `text`, `data` (dataset), `on` ({ click: fn }), and
 * any other attribute (false / null / undefined are skipped). Children: nodes or strings.
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue
    if (key === 'class') node.className = value
    else if (key === 'text') node.textContent = value
    else if (key === 'data') Object.assign(node.dataset, value)
    else if (key === 'on') for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn)
    else node.setAttribute(key, value === true ? '' : String(value))
  }
  append(node, children)
  return node
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue
    node.append(child instanceof Node ? child : String(child))
  }
}

/** Replaces the children of `node`. */
export function fill(node, ...children) {
  node.replaceChildren()
  append(node, children)
  return node
}

export const $ = (selector, root = document) => root.querySelector(selector)

const pad = (n) => String(n).padStart(2, '0')
/** Local time as `YYYY-MM-DD HH:MM:SS`. */
export function fmtTime(ms) {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

export function ago(ms) {
  const s = Math.round((Date.now() - ms) / 1000)
  if (s < 60) return `${Math.max(0, s)} s ago`
  if (s < 3600) return `${Math.round(s / 60)} min ago`
  if (s < 86400) return `${Math.round(s / 3600)} h ago`
  return `${Math.round(s / 86400)} days ago`
}

export const short = (id, n = 10) => (id.length > n ? `${id.slice(0, n)}…` : id)

let catalogue = {}
/** Loads the reason catalogue once: `{ code: { label, description } }`. */
export async function loadReasons() {
  if (Object.keys(catalogue).length === 0) catalogue = await api('reasons')
  return catalogue
}
export const reasonLabel = (code) => catalogue[code]?.label ?? code

/** A reason as a readable chip: its label, and the code, weight and description on hover. */
export function reasonChip(reason, monitored = false) {
  const info = catalogue[reason.code]
  return h(
    'span',
    {
      class: `chip${reason.weight >= 100 ? ' hard' : reason.weight >= 40 ? ' strong' : ''}${monitored ? ' monitored' : ''}`,
      title: `${reason.code} (weight ${reason.weight})${info ? `: ${info.description}` : ''}${monitored ? ' (monitor mode: not counted)' : ''}`,
      data: { code: reason.code },
    },
    info?.label ?? reason.code,
  )
}

export function decisionBadge(decision, wouldBe) {
  return h(
    'span',
    { class: 'decision-cell' },
    h('span', { class: `badge ${decision}`, data: { decision } }, decision),
    wouldBe && wouldBe !== decision
      ? h('small', { class: `would ${wouldBe}`, title: 'monitor mode: the decision the rules reached' }, `would be ${wouldBe}`)
      : null,
  )
}

export const statusBadge = (status) => h('span', { class: `badge status-${status}`, data: { status } }, status)

export function labelBadge(label) {
  if (!label) return h('span', { class: 'muted' }, '–')
  return h(
    'span',
    { class: `badge label-${label.label}`, title: label.comment ? `“${label.comment}” (${fmtTime(label.at)})` : fmtTime(label.at) },
    label.label,
  )
}

export const userLink = (hash, names = {}) =>
  hash
    ? h('a', { href: link(`/users/${encodeURIComponent(hash)}`), title: hash, class: 'user-link' }, names[hash] ?? `user ${short(hash, 8)}`)
    : h('span', { class: 'muted' }, '–')
export const deviceLink = (id) =>
  id
    ? h('a', { href: link(`/devices/${encodeURIComponent(id)}`), title: id, class: 'device-link mono' }, short(id, 8))
    : h('span', { class: 'muted' }, '–')
export const ipLink = (ip) =>
  ip
    ? h('a', { href: link(`?ip=${encodeURIComponent(ip)}`), title: `events from ${ip}`, class: 'mono' }, ip)
    : h('span', { class: 'muted' }, '–')

export function scoreCell(score) {
  const bar = h('span', { class: 'score-bar' }, h('span', {}))
  bar.firstChild.style.width = `${Math.max(0, Math.min(100, score))}%` // CSSOM, allowed by the CSP
  return h('span', { class: 'score' }, h('strong', {}, String(score)), bar)
}

/** One reason per code (the heaviest), for lists: the event page shows them all. */
const distinct = (reasons) => {
  const seen = new Set()
  return reasons.filter((r) => !seen.has(r.code) && seen.add(r.code))
}

/** One row of an events table. */
export function eventRow(e, names = {}) {
  return h(
    'tr',
    { data: { id: e.id, decision: e.decision } },
    h('td', { class: 'nowrap when' }, h('a', { href: link(`/events/${encodeURIComponent(e.id)}`), class: 'event-link' }, fmtTime(e.at))),
    h('td', { class: 'action' }, e.action),
    h('td', { class: 'decision' }, decisionBadge(e.decision, e.wouldBe)),
    h('td', { class: 'score-cell', 'data-label': 'score' }, scoreCell(e.score)),
    h(
      'td',
      { class: 'reasons' },
      e.reasons.length ? distinct(e.reasons).map((r) => reasonChip(r)) : h('span', { class: 'muted' }, 'none'),
      distinct(e.monitored ?? []).map((r) => reasonChip(r, true)),
    ),
    h('td', { 'data-label': 'user' }, userLink(e.userHash, names)),
    h('td', { 'data-label': 'device' }, deviceLink(e.deviceId)),
    h('td', { 'data-label': 'IP' }, ipLink(e.ip)),
    h('td', { 'data-label': 'label' }, labelBadge(e.label)),
  )
}

/** Fills an events table's body; rows whose id is not in `seen` get the class `new`. */
export function fillEvents(table, events, names = {}, { empty = 'No events.', seen } = {}) {
  const body = table.tBodies[0]
  if (events.length === 0) fill(body, h('tr', { class: 'empty' }, h('td', { colspan: 9 }, empty)))
  else
    fill(
      body,
      events.map((e) => {
        const row = eventRow(e, names)
        if (seen && !seen.has(e.id)) row.classList.add('new')
        return row
      }),
    )
  table.dataset.count = String(events.length)
}

export function showError(node, error) {
  if (!error) {
    node.hidden = true
    node.textContent = ''
    return
  }
  node.hidden = false
  node.textContent =
    error instanceof ApiError && error.status === 401
      ? 'Not signed in (or the session ended): reload the page to sign in again.'
      : String(error.message ?? error)
}

/** The IPs of a device's or user's events, with their negative-list state and a button to lift it. */
export function ipsTable(ips, refresh, error) {
  if (ips.length === 0) return h('p', { class: 'muted' }, 'No IP address in recent events.')
  const lift = async (ip) => {
    try {
      await api(`negative-ips/${encodeURIComponent(ip)}`, { method: 'DELETE' })
      await refresh()
    } catch (e) {
      showError(error, e)
    }
  }
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, h('th', {}, 'IP'), h('th', {}, 'Events'), h('th', {}, 'Negative list'))),
    h(
      'tbody',
      {},
      ips.map((i) =>
        h(
          'tr',
          {},
          h('td', {}, ipLink(i.ip)),
          h('td', { class: 'num' }, String(i.count)),
          h(
            'td',
            {},
            i.negative
              ? [
                  h('span', { class: 'badge deny' }, 'NEGATIVE_IP'),
                  ' ',
                  h('button', { type: 'button', class: 'small secondary', on: { click: () => lift(i.ip) } }, 'Lift'),
                ]
              : h('span', { class: 'muted' }, 'no'),
          ),
        ),
      ),
    ),
  )
}

/** A small definition list entry. */
export const fact = (term, ...value) => [h('dt', {}, term), h('dd', {}, ...value)]

/** A summary card. */
export const card = (title, ...value) =>
  h('div', { class: 'card' }, h('span', { class: 'card-title' }, title), h('div', { class: 'card-value' }, ...value))

/** Polls attack mode and the policy mode, and shows a badge in the header while either needs attention. Returns a function that refreshes it now. */
export function watchHeader() {
  const badge = $('#attack-badge')
  const tick = async () => {
    try {
      const [attack, policy] = await Promise.all([api('attack'), api('policy')])
      badge.hidden = !attack.active && policy.mode !== 'monitor'
      badge.textContent = attack.active ? `Attack mode on since ${fmtTime(attack.since)}` : 'Monitor mode: nothing is blocked'
      badge.className = `attack-badge ${attack.active ? 'on' : 'monitor'}`
    } catch {
      // the page shows its own errors
    }
  }
  tick()
  setInterval(tick, 10_000)
  return tick
}

/** Calls `fn` every `ms` while the page is visible and `enabled()` says so. */
export function every(ms, fn, enabled = () => true) {
  setInterval(() => {
    if (document.visibilityState === 'visible' && enabled()) fn()
  }, ms)
}
