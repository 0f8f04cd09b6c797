// The routing server's counters and histograms, rendered in the Prometheus text
// exposition format (version 0.0.4) for GET /metrics. Small and dependency-free: a
// handful of labelled counters, two gauges read at scrape time, and fixed-bucket
// histograms, all kept in plain maps.

/** Request latency buckets in seconds: 0.25 ms … 10 s. */
export const LATENCY_BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Prompts per native batch. */
export const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384];

/** A label value escaped as the exposition format asks: backslash, double quote, newline. */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(labels: Record<string, string>): string {
  const keys = Object.keys(labels);
  if (!keys.length) return '';
  return `{${keys.map((k) => `${k}="${escapeLabel(labels[k])}"`).join(',')}}`;
}

/** Numbers as Prometheus prints them (+Inf, integers without a decimal point). */
function num(v: number): string {
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return String(v);
}

class Counter {
  private readonly values = new Map<string, { labels: Record<string, string>; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Record<string, string> = {}, by = 1): void {
    const key = labelText(labels);
    const v = this.values.get(key);
    if (v) v.value += by;
    else this.values.set(key, { labels, value: by });
  }

  get(labels: Record<string, string> = {}): number {
    return this.values.get(labelText(labels))?.value ?? 0;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const [key, v] of this.values) out.push(`${this.name}${key} ${num(v.value)}`);
  }
}

class Histogram {
  private readonly series = new Map<string, { labels: Record<string, string>; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
  ) {}

  observe(value: number, labels: Record<string, string> = {}): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    // counts[i] holds observations in (buckets[i-1], buckets[i]]; render() accumulates.
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]) i++;
    if (i < this.buckets.length) s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  count(labels: Record<string, string> = {}): number {
    return this.series.get(labelText(labels))?.count ?? 0;
  }

  sum(labels: Record<string, string> = {}): number {
    return this.series.get(labelText(labels))?.sum ?? 0;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const s of this.series.values()) {
      let acc = 0;
      this.buckets.forEach((b, i) => {
        acc += s.counts[i];
        out.push(`${this.name}_bucket${labelText({ ...s.labels, le: num(b) })} ${acc}`);
      });
      out.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      out.push(`${this.name}_sum${labelText(s.labels)} ${num(s.sum)}`);
      out.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
  }
}

/** Values read at scrape time (queue depth, requests in flight). */
export interface GaugeReadings {
  inflightRequests: number;
  queuedPrompts: number;
  inflightBatches: number;
}

/** Every metric of one routing server. */
export class ServerMetrics {
  readonly requests = new Counter('taskroute_requests_total', 'HTTP requests answered, by route and status.');
  readonly prompts = new Counter('taskroute_prompts_total', 'Prompts answered, by route (/v1/route: routed; /v1/estimate: estimated).');
  readonly errors = new Counter('taskroute_errors_total', 'Error responses, by error code.');
  readonly choices = new Counter('taskroute_choices_total', 'Routing decisions, by chosen model.');
  readonly batches = new Counter('taskroute_batches_total', 'Native batches run (embed + estimate).');
  readonly latency = new Histogram('taskroute_request_duration_seconds', 'Time from request start to the last byte of the response, by route.', LATENCY_BUCKETS);
  readonly batchSize = new Histogram('taskroute_batch_prompts', 'Prompts per native batch (coalesced from one or more requests).', BATCH_SIZE_BUCKETS);
  readonly batchSeconds = new Histogram('taskroute_batch_duration_seconds', 'Wall time of one native batch.', LATENCY_BUCKETS);

  constructor(
    private readonly info: { method: string; version: string; models: number },
    private readonly gauges: () => GaugeReadings,
  ) {}

  /** The exposition text. */
  render(): string {
    const out: string[] = [];
    out.push('# HELP taskroute_router_info The router being served (value always 1).', '# TYPE taskroute_router_info gauge');
    out.push(`taskroute_router_info${labelText({ method: this.info.method, version: this.info.version, models: String(this.info.models) })} 1`);
    this.requests.render(out);
    this.prompts.render(out);
    this.errors.render(out);
    this.choices.render(out);
    this.batches.render(out);
    this.latency.render(out);
    this.batchSize.render(out);
    this.batchSeconds.render(out);
    const g = this.gauges();
    const gauge = (name: string, help: string, v: number) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${num(v)}`);
    gauge('taskroute_inflight_requests', 'Requests received and not yet answered.', g.inflightRequests);
    gauge('taskroute_queued_prompts', 'Prompts waiting for a native batch.', g.queuedPrompts);
    gauge('taskroute_inflight_batches', 'Native batches running.', g.inflightBatches);
    return `${out.join('\n')}\n`;
  }
}
