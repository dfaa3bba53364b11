// The charts page: decisions over time (stacked), the score distribution and the top
// reasons, drawn with chart.js (loaded as /admin/assets/vendor/chart.umd.min.js) from
// GET /admin/api/stats. Canvas sizes come from chart.js through the CSSOM, which the CSP allows.
import { $, api, card, every, fill, h, link, showError, watchHeader } from './lib.js'

const COLOURS = { allow: '#3c8d5a', challenge: '#d29a2a', deny: '#c2412d' }
const error = $('#error')
const select = $('#window')
const charts = {}

const Chart = window.Chart
Chart.defaults.font.family = 'system-ui, sans-serif'
Chart.defaults.animation = false
Chart.defaults.maintainAspectRatio = false

function bucketLabel(at, bucketMs) {
  const d = new Date(at)
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
  return bucketMs >= 86_400_000
    ? `${d.getMonth() + 1}/${d.getDate()}`
    : bucketMs >= 6 * 3600_000
      ? `${d.getMonth() + 1}/${d.getDate()} ${hm}`
      : hm
}

function make(id, config) {
  charts[id] = new Chart($(`#${id}`), config)
  return charts[id]
}

function draw(stats) {
  const labels = stats.buckets.map((b) => bucketLabel(b.at, stats.bucketMs))
  const datasets = ['allow', 'challenge', 'deny'].map((d) => ({
    label: d,
    data: stats.buckets.map((b) => b[d]),
    backgroundColor: COLOURS[d],
    stack: 'decisions',
  }))
  const per =
    stats.bucketMs >= 86_400_000 ? 'day' : stats.bucketMs >= 3600_000 ? `${stats.bucketMs / 3600_000} h` : `${stats.bucketMs / 60_000} min`
  if (!charts['decisions-chart']) {
    make('decisions-chart', {
      type: 'bar',
      data: { labels, datasets },
      options: {
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: `events per ${per}` } },
        },
      },
    })
  } else {
    const chart = charts['decisions-chart']
    chart.data.labels = labels
    chart.data.datasets.forEach((ds, i) => (ds.data = datasets[i].data))
    chart.options.scales.y.title.text = `events per ${per}`
    chart.update()
  }
  const scoreLabels = stats.scores.map((s) => `${s.from}–${s.to}`)
  const scoreData = stats.scores.map((s) => s.count)
  const scoreColours = stats.scores.map((s) => (s.from >= 80 ? COLOURS.deny : s.from >= 40 ? COLOURS.challenge : COLOURS.allow))
  if (!charts['scores-chart']) {
    make('scores-chart', {
      type: 'bar',
      data: { labels: scoreLabels, datasets: [{ label: 'events', data: scoreData, backgroundColor: scoreColours }] },
      options: {
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { title: { display: true, text: 'score' } } },
      },
    })
  } else {
    charts['scores-chart'].data.datasets[0].data = scoreData
    charts['scores-chart'].update()
  }
  const reasonLabels = stats.reasons.map((r) => r.label)
  const reasonData = stats.reasons.map((r) => r.count)
  if (!charts['reasons-chart']) {
    make('reasons-chart', {
      type: 'bar',
      data: { labels: reasonLabels, datasets: [{ label: 'events', data: reasonData, backgroundColor: '#4a6fa5' }] },
      options: {
        indexAxis: 'y',
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { footer: (items) => stats.reasons[items[0].dataIndex]?.code ?? '' } },
        },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
        onClick: (_, elements) => {
          const r = stats.reasons[elements[0]?.index]
          if (r) location.href = link(`?reason=${encodeURIComponent(r.code)}`)
        },
      },
    })
  } else {
    const chart = charts['reasons-chart']
    chart.data.labels = reasonLabels
    chart.data.datasets[0].data = reasonData
    chart.options.plugins.tooltip.callbacks.footer = (items) => stats.reasons[items[0].dataIndex]?.code ?? ''
    chart.update()
  }
}

async function load() {
  try {
    const stats = await api(`stats?window=${encodeURIComponent(select.value)}`)
    const t = stats.totals
    const pct = (n) => (t.events ? `${Math.round((100 * n) / t.events)} %` : '–')
    fill(
      $('#totals'),
      card('Events', String(t.events)),
      card('Allowed', h('span', { class: 'allow' }, String(t.allow)), h('small', {}, ` ${pct(t.allow)}`)),
      card('Challenged', h('span', { class: 'challenge' }, String(t.challenge)), h('small', {}, ` ${pct(t.challenge)}`)),
      card('Denied', h('span', { class: 'deny' }, String(t.deny)), h('small', {}, ` ${pct(t.deny)}`)),
      card('Labelled', `${t.labelled.fraud} fraud · ${t.labelled.legit} legit`),
      card('Attack mode', stats.attack.active ? h('span', { class: 'badge deny' }, 'on') : 'off'),
    )
    draw(stats)
    $('#scope').textContent = !stats.truncated
      ? `All ${t.events} events of this window are counted.`
      : stats.counted
        ? `Decisions count all ${t.events} events of this window; scores, reasons and labels the latest ${stats.maxEvents}.`
        : `Only the latest ${stats.maxEvents} events of this window are counted.`
    showError(error, null)
  } catch (e) {
    showError(error, e)
  }
}

select.addEventListener('change', load)
$('#window-form').addEventListener('submit', (event) => {
  event.preventDefault()
  load()
})
load()
every(10_000, load, () => $('#live').checked)
watchHeader()
