import { readFileSync } from 'node:fs';

/** The parts of a V8 `.cpuprofile` this summary reads. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

type Frame = CpuProfile['nodes'][number]['callFrame'];

function label(f: Frame): string {
  const where = f.url
    ? `${f.url.replace(/^file:\/\/.*?\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}`
    : '';
  return `${f.functionName || '(anonymous)'}  ${where}`;
}

function table(
  totals: Map<string, number>,
  total: number,
  top: number,
  filter: (k: string) => boolean,
): string[] {
  return [...totals.entries()]
    .filter(([k]) => filter(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(
      ([k, us]) =>
        `${((us / total) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`,
    );
}

/**
 * `node dist/bench/profile-summary.js <file.cpuprofile> [top] [skipMs] [untilMs]`: self time
 * per function, highest first, then inclusive time of hotconf's own functions (dist/server)
 * — what to read before changing any code. `skipMs`/`untilMs` keep only that window of
 * the profile (ms from its start), to see one phase alone (start-up, a read run).
 */
function summarise(file: string, top: number, skipMs: number, untilMs: number): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let clock = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    clock += dt;
    if (clock < skipMs * 1000 || clock > untilMs * 1000) return;
    total += dt;
    const f = byId.get(id)?.callFrame;
    if (!f) return;
    self.set(label(f), (self.get(label(f)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame) break;
      const k = label(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  });
  return [
    `${file}: ${(total / 1e6).toFixed(1)} s sampled`,
    'self time:',
    ...table(self, total, top, () => true),
    'inclusive time, hotconf functions (dist/server):',
    ...table(inclusive, total, top, (k) => k.includes('dist/server/')),
  ].join('\n');
}

const [file, top, skip, until] = process.argv.slice(2);
if (!file) {
  process.stderr.write(
    'usage: node dist/bench/profile-summary.js <file.cpuprofile> [top=25] [skipMs=0] [untilMs]\n',
  );
  process.exitCode = 2;
} else {
  process.stdout.write(
    `${summarise(file, Number(top ?? 25), Number(skip ?? 0), Number(until ?? Infinity))}\n`,
  );
}
