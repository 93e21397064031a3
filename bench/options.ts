import { parseArgs } from 'node:util';

/** Every scenario `npm run bench` knows, in the order they run. */
export const SCENARIOS = [
  'read',
  'spring',
  'push',
  'fanout',
  'memory',
  'scale',
  'large',
  'parse',
  'fleet',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Sizes and switches of one benchmark run. */
export interface BenchOptions {
  quick: boolean;
  only: Set<ScenarioName>;
  readSeconds: number;
  readWarmupSeconds: number;
  readConnections: number;
  pushCommits: number;
  pushSubscribers: number;
  /** Pause after each receipt before the next commit (chokidar drops a ref change within 50 ms of the last). */
  pushGapMs: number;
  fanoutClients: number;
  fanoutChanges: number;
  scaleServices: number;
  scaleCommits: number;
  scaleColdStarts: number;
  largeBytes: number;
  largeSubscribers: number;
  largeChanges: number;
  /** The server's pino level; `info` is what ships (one log line per request). */
  logLevel: string;
  /** Write a V8 CPU profile of every server process into bench/results/profiles/. */
  cpuProf: boolean;
  /** Where latest.json goes. */
  out: string;
}

/** Numeric options: flag → [full run, --quick run]. Env `HOTCONF_BENCH_<FLAG>` also sets them. */
const SIZES: Record<string, [keyof BenchOptions, number, number]> = {
  'read-seconds': ['readSeconds', 10, 3],
  'read-warmup-seconds': ['readWarmupSeconds', 2, 1],
  'read-connections': ['readConnections', 64, 64],
  'push-commits': ['pushCommits', 200, 30],
  'push-subscribers': ['pushSubscribers', 1000, 1000],
  'push-gap-ms': ['pushGapMs', 100, 100],
  'fanout-clients': ['fanoutClients', 10_000, 5000],
  'fanout-changes': ['fanoutChanges', 9, 2],
  'scale-services': ['scaleServices', 1000, 1000],
  'scale-commits': ['scaleCommits', 30, 10],
  'scale-cold-starts': ['scaleColdStarts', 3, 1],
  'large-bytes': ['largeBytes', 1 << 20, 1 << 20],
  'large-subscribers': ['largeSubscribers', 1000, 200],
  'large-changes': ['largeChanges', 3, 2],
};

export const USAGE = `usage: npm run bench -- [--quick] [--only ${SCENARIOS.join(',')}] [--cpu-prof]
       [--log-level info|warn|...] [--out file] ${Object.keys(SIZES)
         .map((f) => `[--${f} N]`)
         .join(' ')}
Each --flag may also be given as HOTCONF_BENCH_<FLAG> (e.g. HOTCONF_BENCH_FANOUT_CLIENTS=2000).
`;

function envName(flag: string): string {
  return `HOTCONF_BENCH_${flag.toUpperCase().replaceAll('-', '_')}`;
}

/** Reads flags (highest), then HOTCONF_BENCH_* variables, then the defaults. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const flagSpec = Object.fromEntries(
    Object.keys(SIZES).map((f) => [f, { type: 'string' as const }]),
  );
  const { values } = parseArgs({
    args: argv,
    options: {
      ...flagSpec,
      quick: { type: 'boolean' },
      only: { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      'log-level': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const pick = (flag: string): string | undefined =>
    ((values as Record<string, unknown>)[flag] as string | undefined) ?? env[envName(flag)];
  const quick = values.quick === true || /^(1|true|yes)$/i.test(env[envName('quick')] ?? '');
  const opts: Record<string, unknown> = {
    quick,
    logLevel: pick('log-level') ?? 'info',
    cpuProf: values['cpu-prof'] === true || /^(1|true|yes)$/i.test(env[envName('cpu-prof')] ?? ''),
    out: pick('out') ?? new URL('../../bench/results/latest.json', import.meta.url).pathname,
  };
  for (const [flag, [key, full, short]] of Object.entries(SIZES)) {
    const raw = pick(flag);
    const n = raw === undefined ? (quick ? short : full) : Number(raw);
    if (!Number.isFinite(n) || n <= 0)
      throw new TypeError(`--${flag} must be a positive number, got "${raw}"`);
    opts[key] = n;
  }
  const only = pick('only');
  const names = only
    ? only
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [...SCENARIOS];
  for (const n of names) {
    if (!(SCENARIOS as readonly string[]).includes(n))
      throw new TypeError(`--only: unknown scenario "${n}" (known: ${SCENARIOS.join(', ')})`);
  }
  opts.only = new Set(names as ScenarioName[]);
  return opts as unknown as BenchOptions;
}
