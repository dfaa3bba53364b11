// The "Phones, tablets and other engines" section of docs/benchmarks.md, from
// bench/results/environment.json (bench/environment.mjs).

const pct = (w) =>
  w && w.rate !== null
    ? `${(w.rate * 100).toFixed(1)} % (${w.k}/${w.n}; 95 % CI ${(w.low * 100).toFixed(1)}–${(w.high * 100).toFixed(1)} %)`
    : '—'

/** Markdown lines for the section, or a note that the step did not run. */
export function environmentSection(env) {
  if (!env)
    return [
      '## 7. Phones, tablets and other engines: environment rules',
      '',
      '_Not measured in this run (`npm run bench:environment`)._',
      '',
    ]
  const fp = env.falsePositives
  const em = env.emulation
  const findings = Object.entries(em.findings ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `\`${code}\` ${n}`)
    .join(', ')
  return [
    '## 7. Phones, tablets and other engines: environment rules',
    '',
    `Measured ${String(env.generated).slice(0, 10)} by \`npm run bench:environment\` (method: [rules.md](rules.md#phones-tablets-and-other-engines)).`,
    '',
    '| sessions | HEADLESS / ENVIRONMENT_* ≥ 40 | any of them |',
    '|---|--:|--:|',
    `| genuine devices: ${fp.perDevice.length} fixtures (iPhone, iPad, Android Chrome, Samsung Internet, LINE and Instagram in-app, Firefox, WebKitGTK) × ${Math.round(fp.sessions / fp.perDevice.length)} variations | ${pct(fp.weight40)} | ${pct(fp.any)} |`,
    `| desktop Chromium emulating phones and tablets (${em.descriptors} Playwright descriptors, round robin, real built script) | **caught ${pct(em.caught)}** | |`,
    '',
    `- Findings in the emulated sessions: ${findings || '—'}.`,
    "- The genuine rows run the server rules over each fixture's raw values; the client's own collectors over the same fixtures are covered by `test/environment-devices.test.ts`, and real Firefox ESR and WebKitGTK logins by `test/e2e/engines.test.ts`. Fixtures are published values for each model, not recordings of real phones: a device whose values differ from them is not covered here.",
    `- Layout shift caused by the client (PerformanceObserver \`layout-shift\`, login page with the script tag, until every signal is in): desktop ${env.layoutShift?.desktop?.max ?? '—'}, phone 375×667 with touch ${env.layoutShift?.phone?.max ?? '—'} (maximum over ${env.layoutShift?.desktop?.rounds ?? '—'} loads each).`,
    '',
  ]
}
