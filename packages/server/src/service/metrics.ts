// Prometheus metrics through prom-client, an optional peer dependency loaded by
// `createServiceMetrics()` (so by `createService()` and `kenchi-server serve` only): embedders
// that use the verifier in process never install it. The public types here are Kenchi's own,
// so the declarations of @kenchi/server never name prom-client. Names follow Prometheus
// conventions; see docs/operations.md for the list.
import { KenchiError } from '../errors.js'
import { isMissingModule } from '../optional.js'

type Labels = Record<string, string>

/** A counter family: `inc(labels, by)`. */
export interface MetricCounter {
  inc(labels?: Labels, by?: number): void
}

/** A histogram family: `observe(labels, seconds)`. */
export interface MetricHistogram {
  observe(labels: Labels, value: number): void
}

/** Latency buckets in seconds: 0.5 ms to 2.5 s. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

type PromClient = typeof import('prom-client')

/**
 * Imports prom-client. Rejects with `KenchiError` `CONFIG_SERVICE` saying `npm install prom-client`
 * when it is not installed.
 */
async function loadPromClient(): Promise<PromClient> {
  try {
    const mod = (await import('prom-client')) as PromClient & { default?: PromClient }
    return mod.Registry ? mod : mod.default!
  } catch (error) {
    if (!isMissingModule(error, 'prom-client')) throw error
    throw new KenchiError(
      'CONFIG_SERVICE',
      'the verification service exposes /metrics with the optional peer dependency prom-client: npm install prom-client',
      { cause: error },
    )
  }
}

// Labels in name order, so every series prints its labels in the same order.
const sorted = (labels: Labels): Labels => {
  const keys = Object.keys(labels)
  if (keys.length < 2) return labels
  const out: Labels = {}
  for (const k of keys.sort()) out[k] = labels[k]!
  return out
}

/** The service's metrics, in a prom-client registry of their own (not prom-client's global one). */
export class ServiceMetrics {
  readonly verdicts: MetricCounter
  readonly reasons: MetricCounter
  readonly requests: MetricCounter
  readonly errors: MetricCounter
  readonly storeErrors: MetricCounter
  readonly latency: MetricHistogram
  readonly #prom: PromClient
  readonly #registry: InstanceType<PromClient['Registry']>
  readonly #latency: InstanceType<PromClient['Histogram']>

  /** Use `createServiceMetrics()`, which loads prom-client and passes its module here. */
  constructor(promClient: object) {
    const prom = promClient as PromClient
    this.#prom = prom
    this.#registry = new prom.Registry()
    const registers = [this.#registry]
    const counter = (name: string, help: string, labelNames: string[]): MetricCounter => {
      const c = new prom.Counter({ name, help, labelNames, registers })
      return { inc: (labels = {}, by = 1) => c.inc(sorted(labels), by) }
    }
    this.verdicts = counter('kenchi_verdicts_total', 'Verdicts returned by /v1/verify, by site and decision.', ['decision', 'site'])
    this.reasons = counter('kenchi_verdict_reasons_total', 'Reason codes carried by verdicts, by site, decision and reason.', [
      'decision',
      'reason',
      'site',
    ])
    this.requests = counter('kenchi_http_requests_total', 'HTTP requests, by route and status code.', ['route', 'status'])
    this.errors = counter('kenchi_api_errors_total', 'Requests refused or failed, by route and error code.', ['code', 'route'])
    this.storeErrors = counter(
      'kenchi_store_errors_total',
      'Store failures seen (verdicts under onStoreError, reports queued or refused), by site.',
      ['site'],
    )
    this.#latency = new prom.Histogram({
      name: 'kenchi_request_duration_seconds',
      help: 'Time to answer a request, by route.',
      labelNames: ['route'],
      buckets: LATENCY_BUCKETS,
      registers,
    })
    const latency = this.#latency
    this.latency = { observe: (labels, value) => latency.observe(labels, value) }
  }

  /** A gauge family whose values `read` returns at scrape time (queue depth, attack mode). */
  gauge(name: string, help: string, labelNames: string[], read: () => Array<[Labels, number]>): void {
    new this.#prom.Gauge({
      name,
      help,
      labelNames,
      registers: [this.#registry],
      collect() {
        this.reset()
        for (const [labels, value] of read()) this.set(sorted(labels), value)
      },
    })
  }

  /** The `Content-Type` of `render()`'s text (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.#registry.contentType
  }

  /** The exposition text for `GET /metrics`. */
  render(): Promise<string> {
    return this.#registry.metrics()
  }

  /** Sum (seconds) and count of the latency histogram for one route, e.g. `/v1/verify`; undefined before its first request. */
  async latencyOf(route: string): Promise<{ sum: number; count: number } | undefined> {
    const { values } = await this.#latency.get()
    const of = (name: string) => values.find((v) => v.metricName === name && v.labels.route === route)?.value
    const count = of('kenchi_request_duration_seconds_count')
    return count === undefined ? undefined : { sum: of('kenchi_request_duration_seconds_sum') ?? 0, count }
  }
}

/** Loads prom-client (see `loadPromClient`) and makes the service's metrics. */
export async function createServiceMetrics(): Promise<ServiceMetrics> {
  return new ServiceMetrics(await loadPromClient())
}
