// HTML helpers shared by the shop and the admin pages: escaping, the page layout, notices
// and the verdict panel the demo shows under each form (a real shop keeps verdicts to itself).
export const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])

export function layout(title, body, scriptTag, session, mainClass = '') {
  const who = session?.email
    ? `<a href="/account">Account</a> <span>Logged in as ${escape(session.email)}</span><form method="post" action="/logout" class="inline"><button>Log out</button></form>`
    : '<a href="/login">Log in</a> <a href="/register">Register</a>'
  const items = Object.values(session?.cart ?? {}).reduce((n, q) => n + q, 0)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Kenchi demo shop</title>
<link rel="stylesheet" href="/style.css">
${scriptTag}
</head>
<body>
<nav><a href="/">Kenchi demo shop</a> <a href="/cart">Cart${items ? ` (${items})` : ''}</a> <a href="/checkout">Checkout</a> <a href="/spa">Quick shop</a> <a href="/contact">Contact</a> <a href="/newsletter">Newsletter</a> <a href="/mailbox">Mailbox</a> <a href="/admin">Admin</a> ${session === undefined ? '' : who}</nav>
<main${mainClass ? ` class="${mainClass}"` : ''}>
${body}
</main>
</body>
</html>`
}

/** `html` is trusted markup: callers escape what came from a request. */
export const notice = (html, kind = 'error') => `<p class="notice ${kind}" role="status">${html}</p>`

export function verdictPanel(verdict) {
  const reasons = verdict.reasons
    .map(
      (r) =>
        `<li><code>${escape(r.code)}</code> (weight ${r.weight})${r.detail ? ` <small>${escape(JSON.stringify(r.detail))}</small>` : ''}</li>`,
    )
    .join('')
  const device = verdict.device
    ? `<p>Device <code>${escape(verdict.device.id)}</code>, ${verdict.device.known ? 'seen before' : 'new'}, status ${escape(verdict.device.status)}.</p>`
    : '<p>No verified device.</p>'
  return `<details class="verdict" open><summary>What Kenchi decided (shown for the demo; a shop keeps this to itself)</summary>
<p>Verdict: <strong id="decision" class="${escape(verdict.decision)}">${escape(verdict.decision)}</strong>,
score <strong id="score">${verdict.score}</strong> / 100, event <code id="event">${escape(verdict.eventId)}</code>.</p>
${device}
<ul id="reasons">${reasons || '<li>no reasons</li>'}</ul>
</details>`
}
