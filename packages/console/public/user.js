// The user page: the user's devices, the graph of their devices, other users and IPs,
// their IPs and recent events.
import { drawGraph } from './graph.js'
import { $, api, deviceLink, fill, fillEvents, fmtTime, h, ipsTable, loadReasons, showError, watchHeader } from './lib.js'

const hash = document.body.dataset.id
const error = $('#error')

async function load() {
  try {
    const data = await api(`users/${encodeURIComponent(hash)}`)
    $('#user-name').textContent = data.email ?? `${hash.slice(0, 12)}…`
    $('#user-hash').textContent = hash
    const names = data.email ? { [hash]: data.email } : {}
    fill(
      $('#devices'),
      data.devices.length
        ? h(
            'table',
            {},
            h('thead', {}, h('tr', {}, h('th', {}, 'Device'), h('th', {}, 'First used'), h('th', {}, 'Last used'), h('th', {}, 'Trusted'))),
            h(
              'tbody',
              {},
              data.devices.map((d) =>
                h(
                  'tr',
                  {},
                  h('td', {}, deviceLink(d.deviceId)),
                  h('td', {}, fmtTime(d.firstSeen)),
                  h('td', {}, fmtTime(d.lastSeen)),
                  h('td', {}, d.trusted ? 'yes' : 'no'),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No device linked to this user yet.'),
    )
    fill($('#ips'), ipsTable(data.ips, load, error))
    fillEvents($('#events'), data.events, names, { empty: 'No recent events.' })
    showError(error, null)
  } catch (e) {
    showError(error, e)
  }
}

async function start() {
  await loadReasons().catch(() => undefined)
  await load()
  await drawGraph($('#graph'), { user: hash }).catch((e) => showError(error, e))
  watchHeader()
}
start()
