// CSV export of events: one row per event, cells a spreadsheet would run as formulas quoted.
const csvCell = (value) => {
  let text = value === undefined || value === null ? '' : String(value)
  // A cell a spreadsheet would run as a formula is quoted as text.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** @param {import('@kenchi/server').EventRecord[]} events */
export function eventsCsv(events) {
  const header = [
    'id',
    'at',
    'action',
    'decision',
    'wouldBe',
    'score',
    'reasons',
    'deviceId',
    'ip',
    'userHash',
    'loginHash',
    'emailHash',
    'outcomes',
    'label',
    'labelComment',
  ]
  const lines = events.map((e) =>
    [
      e.id,
      new Date(e.at).toISOString(),
      e.action,
      e.decision,
      e.wouldBe,
      e.score,
      e.reasons.map((r) => `${r.code}:${r.weight}`).join(' '),
      e.deviceId,
      e.ip,
      e.userHash,
      e.loginHash,
      e.emailHash,
      (e.outcomes ?? []).map((o) => o.outcome).join(' '),
      e.label?.label,
      e.label?.comment,
    ]
      .map(csvCell)
      .join(','),
  )
  return [header.join(','), ...lines].join('\r\n') + '\r\n'
}
