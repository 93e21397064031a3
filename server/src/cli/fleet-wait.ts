import {
  allInstances,
  clean,
  documentPath,
  type Page,
  type Row,
  type Summary,
} from './fleet-http.js';
import { getJson, RequestError, type Target } from './server-get.js';

/** `id (host pid N)`: enough to find the instance. */
function who(row: Row): string {
  const where = [row.host, row.pid === null ? null : `pid ${row.pid}`].filter(Boolean).join(' ');
  return where ? `${row.id} (${clean(where, 80)})` : row.id;
}

/**
 * Polls until every online instance of the documents concerned applied `commit`'s
 * document or a later one (0), one failed it (1), or `timeoutMs` passed (2). Without a
 * service, the documents are those of the default label with instances online.
 */
export async function waitFor(
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
      const body = await getJson<{ defaultLabel: string; documents: Summary[] }>(
        target,
        '/v1/fleet',
      );
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
        // An application with no document of its own at the commit (a Spring instance that
        // reads only application.yml) has nothing of that commit to apply.
        if (
          service === undefined &&
          error instanceof RequestError &&
          error.code === 'HC_SERVICE_NOT_FOUND'
        ) {
          continue;
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
