// The device page: status, the graph of its users, devices and IPs, its users, IPs and
// recent events, and a button to put it on (or take it off) the device deny list.
import { drawGraph } from './graph.js'
import {
  $,
  ago,
  api,
  card,
  fill,
  fillEvents,
  fmtTime,
  h,
  ipsTable,
  loadReasons,
  showError,
  statusBadge,
  userLink,
  watchHeader,
} from './lib.js'

const id = document.body.dataset.id
const error = $('#error')
let listed = false

async function load() {
  try {
    const data = await api(`devices/${encodeURIComponent(id)}`)
    const { device } = data
    listed = data.listed
    $('#device-id').textContent = device.id
    fill(
      $('#summary'),
      card('Status', statusBadge(device.status)),
      card('First seen', fmtTime(device.firstSeen)),
      card('Last seen', `${fmtTime(device.lastSeen)} (${ago(device.lastSeen)})`),
      card('Users', String(data.users.length)),
      card('Device deny list', listed ? h('span', { class: 'badge deny' }, 'listed') : 'not listed'),
    )
    $('#list-device').textContent = listed ? 'Remove from device deny list' : 'Add to device deny list'
    $('#list-device').className = listed ? 'secondary' : 'danger'
    fill(
      $('#users'),
      data.users.length
        ? h(
            'table',
            {},
            h('thead', {}, h('tr', {}, h('th', {}, 'User'), h('th', {}, 'First used'), h('th', {}, 'Last used'), h('th', {}, 'Trusted'))),
            h(
              'tbody',
              {},
              data.users.map((u) =>
                h(
                  'tr',
                  {},
                  h('td', {}, userLink(u.userHash, data.names)),
                  h('td', {}, fmtTime(u.firstSeen)),
                  h('td', {}, fmtTime(u.lastSeen)),
                  h('td', {}, u.trusted ? 'yes' : 'no'),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No user has used this device.'),
    )
    fill($('#ips'), ipsTable(data.ips, load, error))
    fillEvents($('#events'), data.events, data.names, { empty: 'No recent events.' })
    showError(error, null)
    return true
  } catch (e) {
    showError(error, e.status === 404 ? new Error('No such device.') : e)
    return false
  }
}

$('#list-device').addEventListener('click', async () => {
  try {
    await api('lists/device', { method: 'POST', body: listed ? { remove: [id] } : { add: [id] } })
    $('#list-status').textContent = listed ? 'Removed from the device deny list.' : 'Added: its next attempts are denied (NG_DEVICE).'
    await load()
  } catch (e) {
    showError(error, e)
  }
})

async function start() {
  await loadReasons().catch(() => undefined)
  if (await load()) await drawGraph($('#graph'), { device: id }).catch((e) => showError(error, e))
  watchHeader()
}
start()
