/** One line of the results table. */
export interface Row {
  scenario: string;
  metric: string;
  value: number;
  unit: string;
  /** The bare baseline's figure for the same work, same run, when there is one. */
  baseline?: { name: string; value: number };
  /**
   * hotconf as a fraction of the baseline, oriented so that 1.0 = as good as bare (for
   * `large`, the patch's share of the whole change's bytes: smaller is better).
   */
  ratio?: number;
  target?: string;
  pass?: boolean;
}

/** Ratio where bigger is better (throughput): ours / bare. */
export function throughputRatio(ours: number, bare: number): number {
  return ours / bare;
}

/** Ratio where smaller is better (time, bytes): bare / ours, so 1.0 means as fast as bare. */
export function costRatio(ours: number, bare: number): number {
  return bare / ours;
}

function fmt(n: number | undefined, unit = ''): string {
  if (n === undefined) return '';
  if (!Number.isFinite(n)) return 'n/a';
  const abs = Math.abs(n);
  const s = abs >= 100 ? n.toFixed(0) : abs >= 10 ? n.toFixed(1) : n.toFixed(2);
  return unit ? `${s} ${unit}` : s;
}

function pct(r: number | undefined): string {
  if (r === undefined) return '';
  if (!Number.isFinite(r)) return 'n/a';
  return `${(r * 100).toFixed(r < 0.1 ? 2 : 0)} %`;
}

/** The one table `npm run bench` prints (also Markdown, for docs/benchmarks.md). */
export function renderTable(rows: readonly Row[]): string {
  const header = ['scenario', 'metric', 'hotconf', 'bare baseline', 'ratio', 'target', 'ok'];
  const lines = rows.map((r) => [
    r.scenario,
    r.metric,
    fmt(r.value, r.unit),
    r.baseline ? `${fmt(r.baseline.value, r.unit)} (${r.baseline.name})` : '',
    pct(r.ratio),
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const row = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [row(header), row(widths.map((w) => '-'.repeat(w))), ...lines.map(row)].join('\n');
}
