import { parseArgs } from 'node:util';
import { allInstances, clean, documentPath, type Summary } from './fleet-http.js';
import { getJson, targetOf } from './server-get.js';
import { waitFor } from './fleet-wait.js';
import { rolloutLine } from '../rollout/rollout-line.js';
import type { RolloutView } from '../rollout/rollout-view.js';
import { UsageError, type Command } from './command.js';

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

function parseTimeout(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  if (!m) throw new UsageError(`--timeout must look like 60s, 5m or 500ms, got "${raw}"`);
  const unit = m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000;
  return Number(m[1]) * unit;
}

/** `hotconf fleet [service [profiles]] [--wait COMMIT [--timeout 60s]]`: DESIGN §10. */
export const fleetCommand: Command = async (argv) => {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      label: { type: 'string' },
      state: { type: 'string' },
      json: { type: 'boolean', default: false },
      wait: { type: 'string' },
      timeout: { type: 'string', default: '60s' },
    },
    allowPositionals: true,
  });
  const [service, profiles = 'default', ...extra] = positionals;
  if (extra.length > 0)
    throw new UsageError('usage: hotconf fleet [service [profiles]] [--wait COMMIT]');
  const target = targetOf(values);
  if (values.wait !== undefined) {
    return waitFor(
      target,
      values.wait,
      parseTimeout(values.timeout),
      service,
      profiles,
      values.label,
    );
  }
  if (service === undefined) {
    const body = await getJson<{ partial: boolean; documents: Summary[] }>(target, '/v1/fleet');
    if (values.json) {
      process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      return 0;
    }
    if (body.documents.length === 0) process.stdout.write('no instance has connected yet\n');
    else {
      const rows = body.documents.map((d) => [
        `${d.service}/${d.profiles.join(',')}@${d.label}`,
        d.published?.version.slice(0, 7) ?? '-',
        ...[d.online, d.applied, d.failed, d.older, d.offline, d.anonymous].map(String),
        d.summary,
      ]);
      const header = [
        'DOCUMENT',
        'PUBLISHED',
        'ONLINE',
        'APPLIED',
        'FAILED',
        'OLDER',
        'OFFLINE',
        'ANON',
        'SUMMARY',
      ];
      process.stdout.write(table(header, rows));
    }
    if (body.partial) process.stdout.write('partial: other replicas could not be asked\n');
    // A line per canary rollout (DESIGN §11); a server without rollouts answers 404.
    const rollouts = await getJson<{ rollouts: RolloutView[] }>(target, '/v1/rollouts').catch(
      () => undefined,
    );
    for (const r of rollouts?.rollouts ?? []) process.stdout.write(rolloutLine(r, clean));
    return 0;
  }
  const page = await allInstances(
    target,
    documentPath(service, profiles, { label: values.label, state: values.state, limit: '1000' }),
  );
  if (values.json) {
    process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
    return 0;
  }
  if (page.instances.length === 0) process.stdout.write('no instance watches this document\n');
  else {
    const rows = page.instances.map((r) => {
      const doc = r.documents[0];
      return [
        r.id,
        r.state,
        doc?.version?.slice(0, 7) ?? '-',
        clean(r.host ?? '-', 40),
        r.pid === null ? '-' : String(r.pid),
        clean(r.replica, 30),
        r.online ? 'now' : r.lastSeen,
        clean(
          Object.entries(r.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(','),
          60,
        ),
        doc?.error ? clean(doc.error, 80) : '',
      ];
    });
    const header = [
      'INSTANCE',
      'STATE',
      'VERSION',
      'HOST',
      'PID',
      'REPLICA',
      'LAST SEEN',
      'LABELS',
      'ERROR',
    ];
    process.stdout.write(table(header, rows));
  }
  if (page.partial) process.stdout.write('partial: other replicas could not be asked\n');
  return 0;
};
