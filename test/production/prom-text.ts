/** One sample line of the Prometheus text format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A parsed exposition: the samples, and each family's declared type. */
export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * Parses Prometheus text exposition format 0.0.4 strictly: every line must be a HELP,
 * a TYPE, a comment or a well-formed sample, and every sample must belong to a family
 * whose TYPE came before it. Throws naming the first bad line.
 */
export function parsePrometheusText(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    if (line === '') return;
    if (line.startsWith('# HELP ')) {
      if (!new RegExp(`^# HELP ${NAME} `).test(line)) throw new Error(`bad HELP at ${where}`);
      return;
    }
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (!name || !type || !TYPES.has(type)) throw new Error(`bad TYPE at ${where}`);
      types.set(name, type);
      return;
    }
    if (line.startsWith('#')) return;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample at ${where}`);
    const name = m[1] as string;
    const family = familyOf(name, types);
    if (!family) throw new Error(`sample before its TYPE at ${where}`);
    const labels: Record<string, string> = {};
    const body = m[2] ?? '';
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < body.length) {
      const l = LABEL.exec(body);
      if (!l) throw new Error(`bad labels at ${where}`);
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_, c: string) =>
        c === 'n' ? '\n' : c,
      );
    }
    // Prometheus reads values with Go's ParseFloat: NaN and Inf in any letter case.
    const raw = (m[3] as string).toLowerCase();
    const value =
      raw === 'nan'
        ? NaN
        : /^[+-]?inf$/.test(raw)
          ? raw.startsWith('-')
            ? -Infinity
            : Infinity
          : Number(raw);
    if (raw !== 'nan' && Number.isNaN(value)) throw new Error(`bad value at ${where}`);
    samples.push({ name, labels, value });
  });
  return { samples, types };
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of ['_bucket', '_sum', '_count', '_total', '_created']) {
    if (name.endsWith(suffix) && types.has(name.slice(0, -suffix.length)))
      return name.slice(0, -suffix.length);
  }
  return undefined;
}

/** Sum of the samples named `name` whose labels include `labels`. 0 when none. */
export function valueOf(
  exposition: Exposition,
  name: string,
  labels: Record<string, string> = {},
): number {
  return exposition.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Fetches and parses `/metrics`. */
export async function scrape(serverUrl: string): Promise<Exposition> {
  const res = await fetch(`${serverUrl}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('text/plain; version=0.0.4'))
    throw new Error(`/metrics content type is ${type}`);
  return parsePrometheusText(await res.text());
}
