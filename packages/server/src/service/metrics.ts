// Prometheus metrics in the text exposition format (0.0.4), written by hand: the service needs
// counters, gauges and one histogram family, which do not justify a dependency (prom-client
// would be one more package on every install of @kenchi/server). Names follow Prometheus
// conventions; see docs/operations.md for the list.

type Labels = Record<string, string>

const key = (labels: Labels) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',')

class Counter {
  readonly values = new Map<string, number>()
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels)
    this.values.set(k, (this.values.get(k) ?? 0) + by)
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`]
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`)
    return lines.join('\n')
  }
}

class Gauge {
  constructor(readonly name: string, readonly help: string, readonly read: () => Array<[Labels, number]>) {}
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`]
    for (const [labels, v] of this.read()) {
      const k = key(labels)
      lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`)
    }
    return lines.join('\n')
  }
}

/** Latency buckets in seconds: 0.5 ms to 2.5 s. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

class Histogram {
  readonly series = new Map<string, { counts: number[]; sum: number; count: number }>()
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {}
  observe(labels: Labels, value: number): void {
    const k = key(labels)
    let s = this.series.get(k)
    if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }))
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++
    s.sum += value
    s.count++
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`]
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : ''
      this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{${sep}le="${b}"} ${s.counts[i]}`))
      lines.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`)
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`)
      lines.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`)
    }
    return lines.join('\n')
  }
}

/** The service's metrics. `gauges` reads live values (queue depth, attack mode) at scrape time. */
export class ServiceMetrics {
  readonly verdicts = new Counter('kenchi_verdicts_total', 'Verdicts returned by /v1/verify, by site and decision.')
  readonly reasons = new Counter('kenchi_verdict_reasons_total', 'Reason codes carried by verdicts, by site, decision and reason.')
  readonly requests = new Counter('kenchi_http_requests_total', 'HTTP requests, by route and status code.')
  readonly errors = new Counter('kenchi_api_errors_total', 'Requests refused or failed, by route and error code.')
  readonly storeErrors = new Counter('kenchi_store_errors_total', 'Store failures seen (verdicts under onStoreError, reports queued or refused), by site.')
  readonly latency = new Histogram('kenchi_request_duration_seconds', 'Time to answer a request, by route.', LATENCY_BUCKETS)
  readonly #gauges: Gauge[] = []

  gauge(name: string, help: string, read: () => Array<[Labels, number]>): void {
    this.#gauges.push(new Gauge(name, help, read))
  }

  /** The exposition text for `GET /metrics`. */
  render(): string {
    return [this.verdicts, this.reasons, this.requests, this.errors, this.storeErrors, this.latency, ...this.#gauges].map((m) => m.render()).join('\n') + '\n'
  }
}
