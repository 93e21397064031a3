import { parseArgs } from 'node:util';
import { targetOf, type Target } from './client-commands.js';
import { UsageError, type Command } from './run-cli.js';

const HELP = `usage: hotconf fleet [service [profiles]] [options]

Without a service: one line per document — how many online instances applied what is
published, failed it, or hold an older document. With a service: one line per instance.

  --label L          git label of the document (default: the server's)
  --state S          only instances that are online, offline, applied, failed or older
  --json             print the server's JSON instead of a table
  --wait COMMIT      wait until every online instance applied COMMIT's document or a later
                     one. Exit 0 when they all did, 1 as soon as one failed (it is named,
                     with its error), 2 on timeout (the missing instances are named)
  --timeout T        how long --wait waits: 90s, 5m, 500ms (default 60s)
  --server URL       default $HOTCONF_SERVER or http://127.0.0.1:8888
  --token T          default $HOTCONF_TOKEN
`;

interface Summary {
  service: string;
  profiles: string[];
  label: string;
  published: { etag: string; version: string } | null;
  online: number;
  applied: number;
  failed: number;
  older: number;
  offline: number;
  anonymous: number;
  summary: string;
}

interface Row {
  id: string;
  host: string | null;
  pid: number | null;
  replica: string;
  lastSeen: string;
  online: boolean;
  labels: Record<string, string>;
  state: string;
  commit?: 'reached' | 'failed' | 'waiting';
  documents: { etag: string | null; version: string | null; error: string | null }[];
}

interface Page {
  partial: boolean;
  instances: Row[];
  nextCursor: string | null;
  commit?: { id: string; etag: string; reached: number; failed: number; waiting: number };
}

/** A failed request: status 0 when the server could not be reached. */
class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function get<T>(target: Target, path: string): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (target.token) headers.Authorization = `Bearer ${target.token}`;
  let response: Response;
  try {
    response = await fetch(target.server + path, { headers, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new RequestError(
      0,
      'unreachable',
      `cannot reach ${target.server}: ${cause?.code ?? (error as Error).message}`,
    );
  }
  const body = (await response.json().catch(() => undefined)) as
    (T & { error?: { code?: string; message?: string } }) | undefined;
  if (!response.ok || body === undefined) {
    const err = body?.error;
    throw new RequestError(
      response.status,
      err?.code ?? String(response.status),
      `${err?.message ?? `the server answered ${response.status}`} (${err?.code ?? response.status})`,
    );
  }
  return body;
}

/** Removes control characters, so an instance's error or labels cannot rewrite the terminal. */
function clean(text: string, max = 200): string {
  const flat = text.replace(/\p{Cc}+/gu, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

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

function documentPath(
  service: string,
  profiles: string,
  query: Record<string, string | undefined>,
): string {
  const params = new URLSearchParams(
    Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined),
  );
  return `/v1/fleet/${encodeURIComponent(service)}/${encodeURIComponent(profiles)}?${params}`;
}

/** Every page of one document's instances. */
async function allInstances(target: Target, path: string): Promise<Page> {
  const first = await get<Page>(target, path);
  let page = first;
  const instances = [...first.instances];
  while (page.nextCursor) {
    page = await get<Page>(target, `${path}&cursor=${encodeURIComponent(page.nextCursor)}`);
    instances.push(...page.instances);
  }
  return { ...first, instances, nextCursor: null };
}

function who(row: Row): string {
  const where = [row.host, row.pid === null ? null : `pid ${row.pid}`].filter(Boolean).join(' ');
  return where ? `${row.id} (${clean(where, 80)})` : row.id;
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
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
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
    const body = await get<{ partial: boolean; documents: Summary[] }>(target, '/v1/fleet');
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

/**
 * Polls until every online instance of the documents concerned applied `commit`'s
 * document or a later one (0), one failed it (1), or `timeoutMs` passed (2). Without a
 * service, the documents are those of the default label with instances online.
 */
async function waitFor(
  target: Target,
  commit: string,
  timeoutMs: number,
  service: string | undefined,
  profiles: string,
  label: string | undefined,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let missing: string[] = [];
  let lastProblem = '';
  for (;;) {
    const docs: [string, string, string | undefined][] = [];
    if (service !== undefined) docs.push([service, profiles, label]);
    else {
      const body = await get<{ defaultLabel: string; documents: Summary[] }>(target, '/v1/fleet');
      for (const d of body.documents) {
        if (d.label === body.defaultLabel && d.online > 0)
          docs.push([d.service, d.profiles.join(','), undefined]);
      }
    }
    missing = [];
    let reached = 0;
    for (const [s, p, l] of docs) {
      const name = `${s}/${p}`;
      let page: Page;
      try {
        page = await allInstances(
          target,
          documentPath(s, p, { label: l, commit, state: 'online', limit: '1000' }),
        );
      } catch (error) {
        if (error instanceof RequestError && error.status === 503) {
          process.stderr.write(
            `hotconf fleet: ${name}: commit ${commit} is not published: ${error.message}\n`,
          );
          return 1;
        }
        // 404: the server has not seen the commit yet. Keep asking until the deadline.
        if (error instanceof RequestError && (error.status === 404 || error.status === 0)) {
          lastProblem = error.message;
          missing.push(`${name}: ${error.message}`);
          continue;
        }
        throw error;
      }
      const failed = page.instances.find((r) => r.commit === 'failed');
      if (failed) {
        const error = clean(failed.documents[0]?.error ?? 'unknown error', 1024);
        process.stdout.write(
          `${name}: instance ${who(failed)} failed ${commit.slice(0, 7)}: ${error}\n`,
        );
        return 1;
      }
      for (const r of page.instances) {
        if (r.commit === 'reached') reached++;
        else
          missing.push(
            `${name}: ${who(r)} holds ${r.documents[0]?.version?.slice(0, 7) ?? 'nothing yet'}`,
          );
      }
    }
    if (missing.length === 0 && docs.length > 0) {
      process.stdout.write(
        `${reached} of ${reached} online instances applied ${commit.slice(0, 7)} or later\n`,
      );
      return 0;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(500, Math.max(0, deadline - Date.now()))),
    );
  }
  const what =
    missing.length > 0 ? missing : [lastProblem || 'no online instance watches these documents'];
  process.stdout.write(
    `timed out after ${timeoutMs / 1000} s; ${missing.length} not there yet:\n${what.map((m) => `  ${m}`).join('\n')}\n`,
  );
  return 2;
}
