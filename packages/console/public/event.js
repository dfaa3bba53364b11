// The event page: reasons with details, outcomes, device, IP and user, the label buttons,
// and what a label changed (device status, negative lists, the device's next events).
import {
  $,
  api,
  card,
  decisionBadge,
  deviceLink,
  every,
  fact,
  fill,
  fillEvents,
  fmtTime,
  h,
  ipLink,
  labelBadge,
  loadReasons,
  reasonLabel,
  scoreCell,
  showError,
  statusBadge,
  userLink,
  watchHeader,
} from './lib.js'

const id = document.body.dataset.id
const error = $('#error')
let current

/** A reason's detail as `key: value` lines (lists joined, nested objects as JSON). */
function details(detail) {
  const text = (v) => (Array.isArray(v) ? v.map(text).join(', ') : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v))
  return h(
    'dl',
    { class: 'detail' },
    Object.entries(detail).map(([k, v]) => [
      h('dt', {}, k),
      h('dd', {}, k === 'since' || k === 'at' ? `${text(v)} (${fmtTime(v)})` : text(v)),
    ]),
  )
}

function reasonsTable(reasons, monitored) {
  if (reasons.length === 0) return h('p', { class: 'muted' }, monitored ? '' : 'No reasons: nothing looked wrong.')
  return h(
    'table',
    { class: 'reason-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Reason'), h('th', {}, 'Weight'), h('th', {}, 'Details'))),
    h(
      'tbody',
      {},
      reasons.map((r) =>
        h(
          'tr',
          { data: { code: r.code } },
          h('td', {}, h('strong', {}, reasonLabel(r.code)), h('br'), h('code', {}, r.code)),
          h('td', { class: 'num' }, String(r.weight)),
          h('td', {}, r.detail ? details(r.detail) : h('span', { class: 'muted' }, '–')),
        ),
      ),
    ),
  )
}

function render(data) {
  const { event: e, user, device } = data
  $('#event-id').textContent = e.id
  document.title = `Event ${e.action} ${fmtTime(e.at)} · Kenchi console`
  fill(
    $('#summary'),
    card('Time', fmtTime(e.at)),
    card('Action', e.action),
    card('Decision', decisionBadge(e.decision, e.wouldBe), e.mode === 'monitor' ? h('small', { class: 'muted' }, ' monitor mode') : null),
    card('Score', scoreCell(e.score)),
    card(
      'User',
      userLink(e.userHash, user ? { [e.userHash]: user } : {}),
      e.userHash ? h('small', { class: 'hash mono', title: 'keyed hash of the user id: all Kenchi stores' }, e.userHash) : null,
    ),
    card('Device', deviceLink(e.deviceId), device ? [' ', statusBadge(device.status)] : null),
    card('IP', ipLink(e.ip)),
    card('Label', labelBadge(e.label)),
  )
  fill($('#reasons'), reasonsTable(e.reasons, false))
  fill(
    $('#monitored'),
    e.monitored?.length
      ? [
          h('h3', {}, 'Monitored (not counted)'),
          h(
            'p',
            { class: 'hint' },
            `Reasons from rules in monitor mode. ${e.wouldBe ? `With them the decision would be ${e.wouldBe}.` : ''}`,
          ),
          reasonsTable(e.monitored, true),
        ]
      : [],
  )
  fill(
    $('#outcomes'),
    (e.outcomes ?? []).length
      ? e.outcomes.map((o) => h('li', {}, h('code', {}, o.outcome), ` at ${fmtTime(o.at)}`))
      : h('li', { class: 'muted' }, 'No outcome reported.'),
  )
  $('#current-label').replaceChildren(labelBadge(e.label))
  fill(
    $('#label-history'),
    data.labels.length
      ? data.labels.map((l) =>
          h('li', {}, labelBadge(l), ` ${fmtTime(l.at)}`, l.comment ? h('span', { class: 'muted' }, ` “${l.comment}”`) : null),
        )
      : h('li', { class: 'muted' }, 'Not labelled yet.'),
  )
  renderEffects(data)
}

function renderEffects(data) {
  const { event: e, device } = data
  const ngDevice = device?.status === 'fraud' || data.deviceListed
  fill(
    $('#effects'),
    fact('Device status', device ? statusBadge(device.status) : h('span', { class: 'muted' }, 'no verified device')),
    fact(
      'NG_DEVICE',
      ngDevice
        ? h(
            'span',
            { class: 'badge deny', id: 'ng-device' },
            device?.status === 'fraud' ? 'in effect (labelled fraud)' : 'in effect (device deny list)',
          )
        : h('span', { class: 'muted', id: 'ng-device' }, 'not in effect'),
    ),
    fact(
      'NEGATIVE_IP',
      e.ip === undefined
        ? h('span', { class: 'muted' }, 'no IP')
        : data.ipNegative || data.ipListed
          ? [
              h(
                'span',
                { class: 'badge deny', id: 'negative-ip' },
                data.ipNegative ? `${e.ip} for 30 days (labelled fraud)` : `${e.ip} (IP deny list: ${data.ipListed})`,
              ),
              data.ipNegative ? h('button', { type: 'button', class: 'small secondary', on: { click: () => lift(e.ip) } }, 'Lift') : null,
            ]
          : h('span', { class: 'muted', id: 'negative-ip' }, 'not in effect'),
    ),
  )
  fillEvents(
    $('#later'),
    data.later,
    {},
    {
      empty: e.deviceId
        ? 'No later events from this device yet. Try again from that browser: this list refreshes every 5 s.'
        : 'This event has no verified device.',
    },
  )
}

async function lift(ip) {
  try {
    await api(`negative-ips/${encodeURIComponent(ip)}`, { method: 'DELETE' })
    await refresh()
  } catch (e) {
    showError(error, e)
  }
}

/** The sentences that say what changed between two snapshots of the effects. */
function changes(before, after) {
  const out = []
  const was = before.device?.status
  const now = after.device?.status
  if (now && was !== now) {
    out.push(
      `Device status: ${was} → ${now}.${now === 'fraud' ? ' Its next attempts are denied (NG_DEVICE).' : now === 'valid' ? ' It is trusted for this user.' : ''}`,
    )
  }
  if (!before.ipNegative && after.ipNegative)
    out.push(`IP ${after.event.ip} is on the negative list for 30 days: its next attempts are denied (NEGATIVE_IP).`)
  const label = after.event.label?.label
  if (label && before.event.label?.label !== label) out.push(`Label: ${before.event.label?.label ?? 'none'} → ${label}.`)
  if (out.length === 0) out.push('Nothing else changed: the device and IP were already in this state.')
  return out
}

async function refresh() {
  try {
    current = await api(`events/${encodeURIComponent(id)}/effects`)
    render(current)
    showError(error, null)
  } catch (e) {
    showError(error, e.status === 404 ? new Error('No such event.') : e)
  }
}

$('#label-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const label = event.submitter?.value
  const comment = event.target.elements.comment.value.trim()
  const before = current
  const buttons = event.target.querySelectorAll('button')
  buttons.forEach((b) => (b.disabled = true))
  try {
    await api(`events/${encodeURIComponent(id)}/label`, { method: 'POST', body: { label, ...(comment ? { comment } : {}) } })
    event.target.elements.comment.value = ''
    showError($('#label-error'), null)
    await refresh()
    const box = $('#changes')
    fill(
      box,
      h('strong', {}, 'What changed'),
      h(
        'ul',
        {},
        changes(before, current).map((t) => h('li', {}, t)),
      ),
    )
    box.hidden = false
  } catch (e) {
    showError($('#label-error'), e)
  } finally {
    buttons.forEach((b) => (b.disabled = false))
  }
})

async function start() {
  await loadReasons().catch((e) => showError(error, e))
  await refresh()
  // The effects and the device's later events follow what happens in the shop.
  every(5000, async () => {
    try {
      const data = await api(`events/${encodeURIComponent(id)}/effects`)
      current = { ...data }
      render(data)
    } catch {
      // keep the last view
    }
  })
  watchHeader()
}
start()
