// The events page: the live list with filters and paging, from GET /admin/api/events.
import { $, api, every, link, fillEvents, h, loadReasons, showError, watchHeader } from './lib.js'

const SINCE = { '15m': 15 * 60_000, '1h': 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 }
const FIELDS = ['decision', 'wouldBe', 'action', 'reason', 'label', 'since', 'user', 'device', 'ip']

const form = $('#filters')
const table = $('#events')
const status = $('#status')
const error = $('#error')
const live = $('#live')
/** `before` cursors of the pages before this one; empty on the newest page. */
const pages = []
let before
let next = null
const seen = new Set()
let firstLoad = true

/** The filters in the form, as query parameters (without paging). */
function filters() {
  const params = new URLSearchParams()
  for (const name of FIELDS) {
    const value = form.elements[name].value.trim()
    if (value) params.set(name, value)
  }
  return params
}

function apiQuery() {
  const params = filters()
  const since = params.get('since')
  params.delete('since')
  if (since && SINCE[since]) params.set('from', String(Date.now() - SINCE[since]))
  return params
}

async function load() {
  const params = apiQuery()
  params.set('limit', '50')
  if (before !== undefined) params.set('before', String(before))
  try {
    const page = await api(`events?${params}`)
    fillEvents(table, page.events, page.users, { empty: 'No events match these filters.', seen: firstLoad ? undefined : seen })
    for (const e of page.events) seen.add(e.id)
    firstLoad = false
    next = page.next
    $('#older').hidden = next === null
    $('#newest').hidden = pages.length === 0
    const scanned = page.truncated ? ` · searched the latest ${page.scanned} events` : ''
    status.textContent = `${page.events.length} shown${scanned} · updated ${new Date().toLocaleTimeString()}`
    showError(error, null)
  } catch (e) {
    showError(error, e)
  }
}

function applyFromUrl() {
  const params = new URLSearchParams(location.search)
  for (const name of FIELDS) if (form.elements[name]) form.elements[name].value = params.get(name) ?? ''
}

function updateUrlAndCsv() {
  const params = filters()
  history.replaceState(null, '', link(params.size ? `?${params}` : ''))
  const csv = apiQuery()
  $('#csv').href = link(`/api/events.csv${csv.size ? `?${csv}` : ''}`)
}

form.addEventListener('submit', (event) => {
  event.preventDefault()
  pages.length = 0
  before = undefined
  updateUrlAndCsv()
  load()
})
$('#clear').addEventListener('click', () => {
  for (const name of FIELDS) form.elements[name].value = ''
  form.requestSubmit()
})
$('#refresh').addEventListener('click', () => load())
$('#older').addEventListener('click', () => {
  if (next === null) return
  pages.push(before)
  before = next
  load()
})
$('#newest').addEventListener('click', () => {
  pages.length = 0
  before = undefined
  load()
})

async function start() {
  applyFromUrl()
  // On a phone the filters start folded, unless the address asks for some.
  if (matchMedia('(max-width: 40rem)').matches && filters().size === 0) $('#filter-box').open = false
  updateUrlAndCsv()
  try {
    const reasons = await loadReasons()
    const select = form.elements.reason
    const wanted = new URLSearchParams(location.search).get('reason') ?? ''
    for (const [code, { label }] of Object.entries(reasons).sort((a, b) => a[1].label.localeCompare(b[1].label))) {
      select.append(h('option', { value: code }, `${label} (${code})`))
    }
    select.value = wanted
  } catch (e) {
    showError(error, e)
  }
  await load()
  // Live: the newest page refreshes itself; older pages stay still.
  every(5000, load, () => live.checked && before === undefined)
  watchHeader()
}
start()
