// The console's pages: server-rendered skeletons that their script (public/<page>.js, an
// ES module) fills from the JSON API. No inline script or style anywhere: the CSP allows
// same-origin files only.
import express from 'express'

/** Escapes text for HTML element content and double- or single-quoted attributes. */
export const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])

const NAV = [
  ['events', '@BASE@', 'Events'],
  ['charts', '@BASE@/charts', 'Charts'],
  ['policy', '@BASE@/policy', 'Policy'],
]

/**
 * @param {{ title: string, page: string, body: string, data?: Record<string, string>, vendor?: string[] }} options
 * `vendor`: browser builds to load first (`chart.umd.min.js`, `cytoscape.min.js`).
 */
function consoleLayout({ title, page, body, data = {}, vendor = [] }, view) {
  const attrs = Object.entries({ page, ...data, base: view.base, csrf: view.csrf, site: view.site, user: view.user })
    .map(([k, v]) => ` data-${k}="${escape(v)}"`)
    .join('')
  const items = view.role === 'admin' ? [...NAV, ['team', '@BASE@/team', 'Team']] : NAV
  const nav = items
    .map(
      ([id, href, text]) =>
        `<a href="${href}"${id === page || (id === 'events' && page === 'event') ? ' aria-current="page"' : ''}>${text}</a>`,
    )
    .join('')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Kenchi console</title>
<link rel="stylesheet" href="@BASE@/assets/console.css" id="__________cytoscape_stylesheet">
${vendor.map((v) => `<script src="@BASE@/assets/vendor/${v}" defer></script>`).join('\n')}
<script type="module" src="@BASE@/assets/${page}.js"></script>
</head>
<body${attrs}>
<header class="top">
<a class="brand" href="@BASE@">Kenchi <span>console</span></a>
<nav>${nav}<a href="@BASE@/api/events.csv" id="nav-csv">Export CSV</a>${view.links.map((l) => `<a href="${escape(l.href)}">${escape(l.text)}</a>`).join('')}</nav>
${view.sites.length > 1 ? `<nav class="sites" aria-label="Sites">${view.sites.map((s) => `<a href="@BASE@?site=${escape(encodeURIComponent(s))}"${s === view.site ? ' aria-current="page"' : ''}>${escape(s)}</a>`).join('')}</nav>` : ''}
<form method="post" action="@BASE@/logout" class="who"><span class="muted">${escape(view.user)} (${escape(view.role)})</span><input type="hidden" name="_csrf" value="${escape(view.csrf)}"><button type="submit" class="secondary">Sign out</button></form>
<a id="attack-badge" class="attack-badge" href="@BASE@/policy#attack" hidden>Attack mode on</a>
</header>
<main>
${body}
</main>
<footer>${escape(view.title)} · data from <code>@BASE@/api/</code> (docs@BASE@-api.md) · IP geolocation by <a href="https://db-ip.com">DB-IP</a> (CC BY 4.0)</footer>
</body>
</html>`
}

/** The three decisions as options, after an empty option labelled `any` when given. */
const decisionOptions = (any) =>
  `${any === undefined ? '' : `<option value="">${any}</option>`}<option value="allow">allow</option><option value="challenge">challenge</option><option value="deny">deny</option>`

const eventsTable = (id) => `<div class="table-wrap"><table class="events" id="${id}">
<thead><tr><th>Time</th><th>Action</th><th>Decision</th><th>Score</th><th>Reasons</th><th>User</th><th>Device</th><th>IP</th><th>Label</th></tr></thead>
<tbody><tr class="empty"><td colspan="9">Loading…</td></tr></tbody></table></div>`

function eventsPage() {
  return `<div class="heading"><h1>Events</h1><p class="hint">Every verification, newest first. Click a time to see the reasons, the outcomes and to label it.</p></div>
<details id="filter-box" class="filter-box" open><summary>Filters</summary>
<form id="filters" class="filters" role="search">
<label>Decision <select name="decision">${decisionOptions('any')}</select></label>
<label>Would be <select name="wouldBe" title="The decision the rules reached (differs under monitor mode)">${decisionOptions('any')}</select></label>
<label>Action <input name="action" list="action-names" placeholder="login, checkout…" autocomplete="off"></label>
<label>Reason <select name="reason"><option value="">any</option></select></label>
<label>Label <select name="label"><option value="">any</option><option value="none">not labelled</option><option value="any">labelled</option><option value="fraud">fraud</option><option value="legit">legit</option></select></label>
<label>Time <select name="since"><option value="">all</option><option value="15m">last 15 minutes</option><option value="1h">last hour</option><option value="24h">last 24 hours</option><option value="7d">last 7 days</option></select></label>
<label>User <input name="user" placeholder="e-mail or user hash" autocomplete="off"></label>
<label>Device <input name="device" placeholder="device id" autocomplete="off"></label>
<label>IP <input name="ip" placeholder="203.0.113.7" autocomplete="off"></label>
<div class="buttons"><button type="submit">Apply</button><button type="button" id="clear" class="secondary">Clear</button></div>
<datalist id="action-names"><option value="login"><option value="register"><option value="checkout"></datalist>
</form>
</details>
<div class="toolbar">
<label class="check"><input type="checkbox" id="live" checked> Live: refresh every 5 s</label>
<button type="button" id="refresh" class="secondary">Refresh now</button>
<span id="status" class="muted" role="status"></span>
<a id="csv" href="@BASE@/api/events.csv">Export these as CSV</a>
</div>
<p id="error" class="error" role="alert" hidden></p>
${eventsTable('events')}
<div class="pager"><button type="button" id="newest" class="secondary" hidden>← Newest</button><button type="button" id="older" class="secondary" hidden>Older →</button></div>`
}

/** @param {string} id */
function eventPage(id) {
  return `<p class="crumbs"><a href="@BASE@">← Events</a></p>
<div class="heading"><h1>Event <code id="event-id"></code></h1></div>
<p id="error" class="error" role="alert" hidden></p>
<section class="cards" id="summary"></section>
<div class="columns">
<section class="panel"><h2>Reasons</h2><div id="reasons" class="scroll"></div><div id="monitored" class="scroll"></div></section>
<section class="panel"><h2>Outcomes</h2><p class="hint">What the shop reported after the verdict.</p><ul id="outcomes" class="plain"></ul></section>
</div>
<div class="columns">
<section class="panel" id="label-panel"><h2>Label</h2>
<p class="hint"><strong>Fraud</strong> puts the device (status <code>fraud</code>: <code>NG_DEVICE</code>) and the IP (30 days: <code>NEGATIVE_IP</code>) on the negative lists, so their next attempts are denied. <strong>Legit</strong> clears the device and trusts it for this user.</p>
<p>Current label: <strong id="current-label">none</strong></p>
<form id="label-form" method="post" action="@BASE@/events/${escape(encodeURIComponent(id))}/label" class="label-form">
<input type="hidden" name="_csrf" value="@CSRF@">
<label>Comment (optional) <input name="comment" maxlength="500" autocomplete="off"></label>
<div class="buttons"><button type="submit" name="label" value="fraud" class="danger" id="label-fraud">Label fraud</button><button type="submit" name="label" value="legit" class="ok" id="label-legit">Label legit</button></div>
</form>
<p id="label-error" class="error" role="alert" hidden></p>
<h3>Label history</h3><ol id="label-history" class="plain"></ol>
</section>
<section class="panel" id="effects-panel"><h2>Effect</h2>
<div id="changes" class="changes" role="status" hidden></div>
<dl id="effects" class="facts"></dl>
<h3>Later events from this device</h3>
${eventsTable('later')}
</section>
</div>`
}

function devicePage() {
  return `<p class="crumbs"><a href="@BASE@">← Events</a></p>
<div class="heading"><h1>Device <code id="device-id"></code></h1></div>
<p id="error" class="error" role="alert" hidden></p>
<section class="cards" id="summary"></section>
<div class="buttons toolbar"><button type="button" id="list-device" class="danger">Add to device deny list</button><span id="list-status" class="muted" role="status"></span></div>
<section class="panel"><h2>Links between users, devices and IPs</h2>
<p class="hint">Users who used this device, their other devices, devices sharing a stored browser id, and the IPs of recent events. Click a node to open it.</p>
<div id="graph" class="graph" data-nodes="0"></div><ul class="legend"><li class="l-user">user</li><li class="l-device">device</li><li class="l-fraud">fraud device</li><li class="l-ip">IP</li></ul></section>
<div class="columns">
<section class="panel"><h2>Users</h2><div id="users" class="scroll"></div></section>
<section class="panel"><h2>IP addresses</h2><div id="ips" class="scroll"></div></section>
</div>
<section class="panel"><h2>Recent events</h2>${eventsTable('events')}</section>`
}

function userPage() {
  return `<p class="crumbs"><a href="@BASE@">← Events</a></p>
<div class="heading"><h1>User <span id="user-name"></span></h1><p class="hint">Kenchi stores only a keyed hash of the user id: <code id="user-hash"></code></p></div>
<p id="error" class="error" role="alert" hidden></p>
<section class="panel"><h2>Links between users, devices and IPs</h2>
<p class="hint">This user's devices, other users of those devices, and the IPs of recent events. Click a node to open it.</p>
<div id="graph" class="graph" data-nodes="0"></div><ul class="legend"><li class="l-user">user</li><li class="l-device">device</li><li class="l-fraud">fraud device</li><li class="l-ip">IP</li></ul></section>
<div class="columns">
<section class="panel"><h2>Devices</h2><div id="devices" class="scroll"></div></section>
<section class="panel"><h2>IP addresses</h2><div id="ips" class="scroll"></div></section>
</div>
<section class="panel"><h2>Recent events</h2>${eventsTable('events')}</section>`
}

function chartsPage() {
  return `<div class="heading"><h1>Charts</h1>
<form id="window-form" class="inline-form"><label>Window <select name="window" id="window"><option value="15m">15 minutes</option><option value="1h" selected>1 hour</option><option value="6h">6 hours</option><option value="24h">24 hours</option><option value="7d">7 days</option><option value="30d">30 days</option></select></label>
<label class="check"><input type="checkbox" id="live" checked> Live</label></form></div>
<p id="error" class="error" role="alert" hidden></p>
<section class="cards" id="totals"></section>
<section class="panel wide-chart"><h2>Decisions over time</h2><div class="chart tall"><canvas id="decisions-chart" aria-label="Decisions over time" role="img"></canvas></div></section>
<div class="columns">
<section class="panel"><h2>Score distribution</h2><div class="chart"><canvas id="scores-chart" aria-label="Score distribution" role="img"></canvas></div></section>
<section class="panel"><h2>Top reasons</h2><div class="chart"><canvas id="reasons-chart" aria-label="Top reasons" role="img"></canvas></div></section>
</div>
<p class="hint" id="scope"></p>`
}

function policyPage() {
  const num = (name, label, attrs = '') => `<label>${label} <input name="${name}" type="number" ${attrs}></label>`
  return `<div class="heading"><h1>Policy</h1><p class="hint">Changes apply to the next verification and last until the demo restarts.</p></div>
<p id="error" class="error" role="alert" hidden></p>
<div class="columns">
<section class="panel"><h2>Mode and thresholds</h2>
<form id="policy-form" class="grid-form" novalidate>
<fieldset><legend>Mode</legend>
<label class="check"><input type="radio" name="mode" value="live"> Live: decisions are applied</label>
<label class="check"><input type="radio" name="mode" value="monitor"> Monitor: everything is recorded, every decision is <em>allow</em></label></fieldset>
<fieldset><legend>Score thresholds (all actions)</legend>
${num('challenge', 'Challenge from', 'step="any"')}${num('deny', 'Deny from', 'step="any"')}</fieldset>
<fieldset><legend>Per action</legend><div id="actions" class="scroll"></div>
<div class="inline-form"><input id="new-action" placeholder="action, e.g. checkout" autocomplete="off"><button type="button" id="add-action" class="secondary">Add action</button></div></fieldset>
<fieldset><legend>Other</legend>
<label>No token sent <select name="missingToken">${decisionOptions()}</select></label>
<label>Store unavailable <select name="onStoreError">${decisionOptions()}</select></label>
${num('pow', 'Proof of work (bits)', 'step="1"')}</fieldset>
<div class="buttons"><button type="submit">Save policy</button><span class="muted" id="policy-status" role="status"></span></div>
<p class="error" id="policy-error" role="alert" hidden></p>
</form></section>
<section class="panel" id="attack"><h2>Attack mode</h2>
<p id="attack-state" class="attack-state"></p>
<form id="attack-form" class="grid-form" novalidate>
<label class="check"><input type="checkbox" name="enabled"> Watch for attacks (switches on by itself)</label>
${num('failedLogins', 'Failed logins that switch it on', 'step="1"')}
${num('distinctUsers', 'Distinct users that switch it on (0 = not watched)', 'step="1"')}
${num('windowMinutes', 'Window (minutes)', 'step="any"')}
<label>Response <select name="response"><option value="challenge">challenge every login</option><option value="pow">proof of work on logins</option><option value="stop-logins">stop logins</option><option value="maintenance">maintenance (deny all)</option></select></label>
${num('pow', 'Proof of work for "pow" (bits)', 'step="1"')}
${num('exitRatio', 'Switch off under this share of the thresholds', 'step="any"')}
${num('calmMinutes', '… for this long (minutes)', 'step="any"')}
<div class="buttons"><button type="submit">Save attack settings</button><span class="muted" id="attack-status" role="status"></span></div>
<p class="error" id="attack-error" role="alert" hidden></p>
</form></section>
</div>
<div class="columns">
<section class="panel"><h2>Rules</h2><p class="hint">A rule in monitor mode still runs; its reasons are recorded as "monitored" and do not count in the score.</p>
<table class="rules"><thead><tr><th>Rule</th><th>Mode</th></tr></thead><tbody id="rules"></tbody></table>
<p class="error" id="rules-error" role="alert" hidden></p></section>
<section class="panel" id="foreign"><h2>Foreign IP</h2>
<form id="foreign-form" class="grid-form" novalidate>
<label>Policy <select name="policy"><option value="allow">allow (report only, weight 10)</option><option value="block-registration">block registration-type actions</option><option value="block-all">block every action</option></select></label>
<label>Home countries <input name="homeCountries" placeholder="JP" autocomplete="off"></label>
<div class="buttons"><button type="submit">Save</button><span class="muted" id="foreign-status" role="status"></span></div>
<p class="error" id="foreign-error" role="alert" hidden></p>
</form>
<form id="geo-form" class="inline-form"><label>Try an address <input name="ip" placeholder="8.8.8.8" autocomplete="off"></label><button type="submit" class="secondary">Look up</button></form>
<p id="geo-result" class="muted" role="status"></p>
</section>
</div>
<section class="panel"><h2>Lists</h2><p class="hint">One entry per line. Requests that match are denied with the reason shown.</p>
<div id="lists" class="lists"></div></section>`
}

function teamPage() {
  return `<div class="heading"><h1>Team</h1><p class="hint">Console users and the audit log of every change. Admins only.</p></div>
<p id="error" class="error" role="alert" hidden></p>
<div class="columns">
<section class="panel"><h2>Users</h2>
<p class="hint"><strong>Viewer</strong> reads everything; <strong>analyst</strong> also labels events; <strong>admin</strong> also changes the policy, lists and users. A new password or role signs the user out.</p>
<div class="table-wrap"><table id="users"><thead><tr><th>User</th><th>Role</th><th>Since</th><th></th></tr></thead><tbody></tbody></table></div>
</section>
<section class="panel"><h2>Add a user</h2>
<form id="add-user" class="grid-form" novalidate>
<label>User name <input name="name" maxlength="64" autocomplete="off" required></label>
<label>Role <select name="role"><option value="viewer">viewer</option><option value="analyst">analyst</option><option value="admin">admin</option></select></label>
<label>Password (12 characters or more) <input name="password" type="password" minlength="12" maxlength="1024" autocomplete="new-password" required></label>
<div class="buttons"><button type="submit">Add user</button><span class="muted" id="add-status" role="status"></span></div>
<p class="error" id="add-error" role="alert" hidden></p>
</form></section>
</div>
<section class="panel"><h2>Audit log</h2><p class="hint">Every policy, rule, list, label and user change: who, when, before and after. Newest first.</p>
<div class="table-wrap"><table id="audit"><thead><tr><th>Time</th><th>Who</th><th>Site</th><th>Change</th><th>Target</th><th>Before</th><th>After</th></tr></thead><tbody></tbody></table></div>
<div class="pager"><button type="button" id="audit-older" class="secondary" hidden>Older →</button></div>
</section>`
}

/** The sign-in page (no script: a plain form posting to <base>/login). */
export function loginPage({ base, title, error, user = '' }) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · ${escape(title)}</title>
<link rel="stylesheet" href="${escape(base)}/assets/console.css">
</head>
<body data-page="login">
<main class="login">
<h1>${escape(title)}</h1>
${error ? `<p class="error" role="alert" id="login-error">${escape(error)}</p>` : ''}
<form method="post" action="${escape(base)}/login" class="grid-form" id="login-form">
<label>User <input name="user" autocomplete="username" required maxlength="64" value="${escape(user)}"></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="1024"></label>
<div class="buttons"><button type="submit">Sign in</button></div>
</form>
</main>
</body>
</html>`
}

/**
 * The console's pages (the console checks the session first). `view(req)` gives the base
 * path, the CSRF token, the signed-in user and the sites for the layout.
 */
export function pages(view, need) {
  const router = express.Router()
  const send = (req, res, options) => {
    const v = view(req)
    const base = escape(v.base)
    let html = consoleLayout(options, v)
      .replaceAll('"@BASE@"', `"${base || '/'}"`)
      .replaceAll('@BASE@', base)
      .replaceAll('@CSRF@', escape(v.csrf))
    // With several sites, the console's links and forms keep the page's site.
    if (v.site) {
      const site = `site=${escape(encodeURIComponent(v.site))}`
      html = html.replace(/(href|action)="([^"]*)"/g, (all, attr, url) =>
        url.startsWith(base || '/') && !url.startsWith(`${base}/assets/`) && !url.includes('site=')
          ? `${attr}="${url}${url.includes('?') ? '&amp;' : '?'}${site}"`
          : all,
      )
    }
    res.type('html').send(html)
  }
  router.get('/', (req, res) => send(req, res, { title: 'Events', page: 'events', body: eventsPage() }))
  router.get('/events/:id', (req, res) =>
    send(req, res, { title: 'Event', page: 'event', data: { id: req.params.id }, body: eventPage(req.params.id) }),
  )
  router.get('/devices/:id', (req, res) =>
    send(req, res, { title: 'Device', page: 'device', data: { id: req.params.id }, vendor: ['cytoscape.min.js'], body: devicePage() }),
  )
  router.get('/users/:hash', (req, res) =>
    send(req, res, { title: 'User', page: 'user', data: { id: req.params.hash }, vendor: ['cytoscape.min.js'], body: userPage() }),
  )
  router.get('/charts', (req, res) => send(req, res, { title: 'Charts', page: 'charts', vendor: ['chart.umd.min.js'], body: chartsPage() }))
  router.get('/policy', (req, res) => send(req, res, { title: 'Policy', page: 'policy', body: policyPage() }))
  router.get('/team', need('admin'), (req, res) => send(req, res, { title: 'Team', page: 'team', body: teamPage() }))
  return router
}
