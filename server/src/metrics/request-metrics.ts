/**
 * `hotconf_http_requests_total` and `hotconf_http_request_duration_seconds`, counted here
 * and formatted by prom-client's registry only when scraped. prom-client's
 * `labels(…).inc()` / `.observe()` check and hash the label set on every call: about
 * 3.5 µs a request, 15 % of the read rate (docs/benchmarks.md). Here a request is one Map
 * lookup and a few additions.
 */

type Labels = { method: string; route: string; status: string };

/** One (method, route, status): its count, sum and per-bucket counts (not cumulative). */
interface Series {
  labels: Labels;
  count: number;
  sum: number;
  /** `buckets[i]` counts values in (bound[i-1], bound[i]]; the last slot is above every bound. */
  buckets: number[];
}

/** One line's worth, as prom-client's registry reads it from `get()`. */
interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  sharedLabels?: Labels;
  metricName?: string;
}

/** The shape prom-client's `Registry#registerMetric` and `#metrics()` use. */
export interface CollectedMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{
    name: string;
    help: string;
    type: 'counter' | 'histogram';
    aggregator: 'sum';
    values: MetricValue[];
  }>;
  reset(): void;
}

export class RequestMetrics {
  private readonly series = new Map<string, Series>();

  constructor(private readonly bounds: readonly number[]) {}

  /** Counts and times one answered request. */
  record(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let s = this.series.get(key);
    if (!s) {
      s = {
        labels: { method, route, status: String(status) },
        count: 0,
        sum: 0,
        buckets: new Array<number>(this.bounds.length + 1).fill(0),
      };
      this.series.set(key, s);
    }
    s.count++;
    s.sum += seconds;
    let i = 0;
    while (i < this.bounds.length && seconds > (this.bounds[i] as number)) i++;
    (s.buckets[i] as number)++;
  }

  /** The counter of requests, for the registry. */
  counter(name: string, help: string): CollectedMetric {
    return this.metric(name, help, 'counter', () =>
      [...this.series.values()].map((s) => ({ value: s.count, labels: s.labels })),
    );
  }

  /** The latency histogram, for the registry: buckets cumulative, as Prometheus reads them. */
  histogram(name: string, help: string): CollectedMetric {
    return this.metric(name, help, 'histogram', () => {
      const values: MetricValue[] = [];
      for (const s of this.series.values()) {
        let below = 0;
        this.bounds.forEach((le, i) => {
          below += s.buckets[i] as number;
          values.push({
            value: below,
            labels: { le },
            sharedLabels: s.labels,
            metricName: `${name}_bucket`,
          });
        });
        const shared = { sharedLabels: s.labels };
        values.push(
          { value: s.count, labels: { le: '+Inf' }, ...shared, metricName: `${name}_bucket` },
          { value: s.sum, labels: {}, ...shared, metricName: `${name}_sum` },
          { value: s.count, labels: {}, ...shared, metricName: `${name}_count` },
        );
      }
      return values;
    });
  }

  private metric(
    name: string,
    help: string,
    type: 'counter' | 'histogram',
    values: () => MetricValue[],
  ): CollectedMetric {
    return {
      name,
      help,
      type,
      aggregator: 'sum',
      get: () => Promise.resolve({ name, help, type, aggregator: 'sum', values: values() }),
      reset: () => this.series.clear(),
    };
  }
}
