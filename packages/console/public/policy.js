// The policy page: mode and thresholds (PUT /admin/api/policy), attack mode, each rule's
// mode, the deny lists and the foreign-IP policy. Validation is the server's: its error
// messages are shown next to the form that was sent.
import { $, api, fill, fmtTime, h, loadReasons, reasonLabel, showError, watchHeader } from './lib.js'

const error = $('#error')
let policy
let refreshHeader = () => undefined

/** A number field's value: `null` when empty (the server then names the field). */
const number = (input) => (input.value.trim() === '' ? null : Number(input.value))

async function saving(form, statusId, errorId, send) {
  const status = $(`#${statusId}`)
  const errorNode = $(`#${errorId}`)
  status.textContent = 'Saving…'
  try {
    await send()
    status.textContent = `Saved at ${new Date().toLocaleTimeString()}.`
    showError(errorNode, null)
  } catch (e) {
    status.textContent = ''
    showError(errorNode, e)
  }
}

// ---- mode and thresholds ----

const policyForm = $('#policy-form')

function actionRow(name, p = {}) {
  const input = (field, value) =>
    h('input', {
      type: 'number',
      step: field === 'pow' ? '1' : 'any',
      name: `action.${name}.${field}`,
      value: value ?? '',
      placeholder: 'unchanged',
      'aria-label': `${name} ${field}`,
    })
  return h(
    'tr',
    { data: { action: name } },
    h('th', {}, name),
    h('td', {}, input('challenge', p.challenge)),
    h('td', {}, input('deny', p.deny)),
    h('td', {}, input('pow', p.pow)),
  )
}

function renderPolicy() {
  const f = policyForm.elements
  for (const radio of f.mode) radio.checked = radio.value === policy.mode
  f.challenge.value = policy.thresholds.challenge
  f.deny.value = policy.thresholds.deny
  f.missingToken.value = policy.missingToken
  f.onStoreError.value = policy.onStoreError
  f.pow.value = policy.pow
  const names = new Set([...Object.keys(policy.actions), 'login', 'register', 'checkout'])
  fill(
    $('#actions'),
    h(
      'table',
      { class: 'actions' },
      h(
        'thead',
        {},
        h('tr', {}, h('th', {}, 'Action'), h('th', {}, 'Challenge from'), h('th', {}, 'Deny from'), h('th', {}, 'Proof of work')),
      ),
      h(
        'tbody',
        { id: 'action-rows' },
        [...names].sort().map((n) => actionRow(n, policy.actions[n])),
      ),
    ),
  )
  renderAttackSettings()
}

$('#add-action').addEventListener('click', () => {
  const name = $('#new-action').value.trim()
  if (!name || $(`#action-rows tr[data-action="${CSS.escape(name)}"]`)) return
  $('#action-rows').append(actionRow(name))
  $('#new-action').value = ''
})

policyForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const f = policyForm.elements
  const patch = {
    mode: f.mode.value,
    thresholds: { challenge: number(f.challenge), deny: number(f.deny) },
    missingToken: f.missingToken.value,
    onStoreError: f.onStoreError.value,
    pow: number(f.pow),
    actions: {},
  }
  for (const row of $('#action-rows').rows) {
    const name = row.dataset.action
    const current = policy.actions[name] ?? {}
    const p = {}
    for (const field of ['challenge', 'deny', 'pow']) {
      const input = row.querySelector(`input[name="action.${CSS.escape(name)}.${field}"]`)
      // An emptied field removes that override (null): the global value applies again.
      if (input.value.trim() !== '') p[field] = Number(input.value)
      else if (field in current) p[field] = null
    }
    if (Object.keys(p).length) patch.actions[name] = p
  }
  saving(policyForm, 'policy-status', 'policy-error', async () => {
    policy = await api('policy', { method: 'PUT', body: patch })
    renderPolicy()
    refreshHeader()
  })
})

// ---- attack mode ----

const attackForm = $('#attack-form')

function renderAttackSettings() {
  const a = policy.attack
  const f = attackForm.elements
  f.enabled.checked = a.enabled
  f.failedLogins.value = a.failedLogins
  f.distinctUsers.value = a.distinctUsers
  f.windowMinutes.value = a.windowMs / 60_000
  f.response.value = a.response
  f.pow.value = a.pow
  f.exitRatio.value = a.exitRatio
  f.calmMinutes.value = a.calmMs / 60_000
}

async function renderAttackState() {
  try {
    const state = await api('attack')
    const node = $('#attack-state')
    node.className = `attack-state ${state.active ? 'on' : 'off'}`
    fill(
      node,
      h('strong', {}, state.active ? `On since ${fmtTime(state.since)}` : 'Off'),
      ` · failed logins in the window: ${state.failedLogins}`,
      policy?.attack.distinctUsers ? ` · distinct users: ${state.distinctUsers}` : '',
    )
  } catch (e) {
    showError(error, e)
  }
}

attackForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const f = attackForm.elements
  const minutes = (input) => (number(input) === null ? null : Math.round(number(input) * 60_000))
  const attack = {
    enabled: f.enabled.checked,
    failedLogins: number(f.failedLogins),
    distinctUsers: number(f.distinctUsers),
    windowMs: minutes(f.windowMinutes),
    response: f.response.value,
    pow: number(f.pow),
    exitRatio: number(f.exitRatio),
    calmMs: minutes(f.calmMinutes),
  }
  saving(attackForm, 'attack-status', 'attack-error', async () => {
    policy = await api('policy', { method: 'PUT', body: { attack } })
    renderAttackSettings()
    await renderAttackState()
  })
})

// ---- rules ----

async function renderRules() {
  const { rules } = await api('rules')
  fill(
    $('#rules'),
    rules.map((r) => {
      const select = h(
        'select',
        { name: r.name, 'aria-label': `${r.name} mode` },
        h('option', { value: 'live' }, 'live'),
        h('option', { value: 'monitor' }, 'monitor'),
      )
      select.value = r.mode
      select.addEventListener('change', async () => {
        try {
          await api(`rules/${encodeURIComponent(r.name)}`, { method: 'PUT', body: { mode: select.value } })
          showError($('#rules-error'), null)
        } catch (e) {
          showError($('#rules-error'), e)
        }
        renderRules()
      })
      const gives = r.reasons.map((code) => h('span', { class: 'chip', title: code }, reasonLabel(code)))
      return h(
        'tr',
        { data: { rule: r.name } },
        h('td', {}, h('code', {}, r.name), h('div', { class: 'rule-reasons' }, gives)),
        h('td', {}, select, r.mode !== r.defaultMode ? h('small', { class: 'muted' }, ` (default ${r.defaultMode})`) : null),
      )
    }),
  )
}

// ---- lists ----

async function renderLists() {
  const { lists } = await api('lists')
  fill(
    $('#lists'),
    lists.map((list) => {
      const area = h('textarea', { name: 'entries', rows: 6, spellcheck: 'false', 'aria-label': list.title })
      area.value = list.entries.join('\n')
      const status = h('span', { class: 'muted', id: `list-${list.name}-status`, role: 'status' }, `${list.entries.length} entries`)
      const errorNode = h('p', { class: 'error', id: `list-${list.name}-error`, role: 'alert', hidden: true })
      const form = h(
        'form',
        { class: 'list-form', data: { list: list.name } },
        h('h3', {}, list.title),
        h('p', { class: 'hint' }, 'Reason: ', h('code', {}, list.reason), ' · rule ', h('code', {}, list.rule)),
        area,
        h('div', { class: 'buttons' }, h('button', { type: 'submit' }, 'Save list'), status),
        errorNode,
      )
      form.addEventListener('submit', async (event) => {
        event.preventDefault()
        const entries = area.value
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)
        try {
          const saved = await api(`lists/${list.name}`, { method: 'PUT', body: { entries } })
          area.value = saved.entries.join('\n')
          status.textContent = `Saved: ${saved.entries.length} entries.`
          showError(errorNode, null)
        } catch (e) {
          showError(errorNode, e)
        }
      })
      return form
    }),
  )
}

// ---- foreign IP ----

const foreignForm = $('#foreign-form')

async function renderForeign() {
  const foreign = await api('foreign-ip')
  foreignForm.elements.policy.value = foreign.policy
  foreignForm.elements.homeCountries.value = foreign.homeCountries.join(', ')
}

foreignForm.addEventListener('submit', (event) => {
  event.preventDefault()
  const homeCountries = foreignForm.elements.homeCountries.value.split(/[\s,]+/).filter(Boolean)
  saving(foreignForm, 'foreign-status', 'foreign-error', async () => {
    await api('foreign-ip', { method: 'PUT', body: { policy: foreignForm.elements.policy.value, homeCountries } })
    await renderForeign()
  })
})

$('#geo-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const out = $('#geo-result')
  try {
    const r = await api(`geo?ip=${encodeURIComponent(event.target.elements.ip.value.trim())}`)
    out.textContent = r.local
      ? `${r.ip} is a local address: never foreign.`
      : `${r.ip}: ${r.country ?? 'unknown country'}${r.foreign ? `, foreign. With the policy “${r.policy}” it blocks ${r.blocks}.` : ', not foreign.'}`
  } catch (e) {
    out.textContent = e.message
  }
})

async function start() {
  try {
    await loadReasons()
    policy = await api('policy')
    renderPolicy()
    await Promise.all([renderAttackState(), renderRules(), renderLists(), renderForeign()])
    showError(error, null)
  } catch (e) {
    showError(error, e)
  }
  setInterval(() => document.visibilityState === 'visible' && renderAttackState(), 5000)
  refreshHeader = watchHeader()
}
start()
