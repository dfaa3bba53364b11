// The team page (admins): console users (role changes, new passwords, removal, a new user)
// from /api/users, and the audit log from /api/audit, newest first, paged.
import { $, api, fill, fmtTime, h, showError, watchHeader } from './lib.js'

const error = $('#error')
const me = document.body.dataset.user
const ROLES = ['viewer', 'analyst', 'admin']

/** A before/after value, short: lists and objects as JSON, cut at 120 characters. */
const show = (v) => {
  if (v === null || v === undefined) return h('span', { class: 'muted' }, '–')
  const text = typeof v === 'string' ? v : JSON.stringify(v)
  return h('code', { title: text.length > 120 ? text : '' }, text.length > 120 ? `${text.slice(0, 119)}…` : text)
}

async function loadUsers() {
  const { users } = await api('users')
  fill(
    $('#users tbody'),
    users.map((u) => {
      const role = h(
        'select',
        { 'aria-label': `role of ${u.name}` },
        ROLES.map((r) => h('option', { value: r, ...(r === u.role ? { selected: '' } : {}) }, r)),
      )
      role.addEventListener('change', () => change(u.name, { role: role.value }))
      const reset = h('button', { type: 'button', class: 'secondary' }, 'New password')
      reset.addEventListener('click', () => {
        const password = prompt(`New password for ${u.name} (12 characters or more)`)
        if (password) change(u.name, { password })
      })
      const remove = h('button', { type: 'button', class: 'danger' }, 'Remove')
      remove.addEventListener('click', async () => {
        if (!confirm(`Remove ${u.name}?`)) return
        try {
          await api(`users/${encodeURIComponent(u.name)}`, { method: 'DELETE' })
          await refresh()
        } catch (e) {
          showError(error, e)
        }
      })
      return h(
        'tr',
        { 'data-user': u.name },
        h('td', {}, u.name, u.name === me ? h('span', { class: 'muted' }, ' (you)') : ''),
        h('td', {}, role),
        h('td', {}, fmtTime(u.created)),
        h('td', { class: 'buttons' }, reset, remove),
      )
    }),
  )
}

async function change(name, body) {
  try {
    await api(`users/${encodeURIComponent(name)}`, { method: 'PUT', body })
    if (name === me) return location.reload() // a change to oneself ends one's session
    await refresh()
  } catch (e) {
    showError(error, e)
    await loadUsers().catch(() => undefined)
  }
}

let before
async function loadAudit(older = false) {
  const { entries, next } = await api(`audit?limit=50${older && before ? `&before=${before}` : ''}`)
  const rows = entries.map((e) =>
    h(
      'tr',
      { 'data-action': e.action },
      h('td', { class: 'nowrap' }, fmtTime(e.at)),
      h('td', {}, e.actor),
      h('td', {}, e.site ?? '–'),
      h('td', {}, h('code', {}, e.action)),
      h('td', {}, e.target ?? '–'),
      h('td', {}, show(e.before)),
      h('td', {}, show(e.after)),
    ),
  )
  if (older) $('#audit tbody').append(...rows)
  else fill($('#audit tbody'), rows.length ? rows : h('tr', { class: 'empty' }, h('td', { colspan: '7' }, 'No change yet.')))
  before = next
  $('#audit-older').hidden = !next
}

async function refresh() {
  try {
    await Promise.all([loadUsers(), loadAudit()])
    showError(error, null)
  } catch (e) {
    showError(error, e)
  }
}

$('#audit-older').addEventListener('click', () => loadAudit(true).catch((e) => showError(error, e)))
$('#add-user').addEventListener('submit', async (event) => {
  event.preventDefault()
  const form = event.currentTarget
  const body = { name: form.elements.name.value.trim(), role: form.elements.role.value, password: form.elements.password.value }
  try {
    await api('users', { method: 'POST', body })
    form.reset()
    $('#add-status').textContent = `Added ${body.name}.`
    showError($('#add-error'), null)
    await refresh()
  } catch (e) {
    showError($('#add-error'), e)
  }
})

refresh()
watchHeader()
