import { api, docPath } from '../api';
import { href } from '../router';
import { Short, Text, Value } from '../text';
import type { ConsoleConfig, DiffAnswer, FlatValue, HistoryAnswer } from '../types';
import { useLoad } from '../use-load';
import { Status } from './status';

interface Line {
  key: string;
  change: 'added' | 'removed' | 'changed' | 'same';
  from?: FlatValue;
  to?: FlatValue;
  masked?: boolean;
}

const MASK = '******';

/** Diff of any two commits of a document; changed keys only, or the whole document. */
export function DiffView(props: { service: string; profiles: string[]; query: URLSearchParams }) {
  const { service, profiles, query } = props;
  const path = docPath(service, profiles);
  const history = useLoad(() => api<HistoryAnswer>(`/v1/history/${path}?limit=100`), [path]);
  const commits = history.data?.commits ?? [];
  const to = query.get('to') ?? commits[0]?.id;
  const from = query.get('from') ?? commits[1]?.id;
  const whole = query.get('whole') === '1';
  const base = href('doc', service, profiles.join(','), 'diff');

  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const params = new URLSearchParams({
      from: String(form.get('from')),
      to: String(form.get('to')),
    });
    if (form.get('whole')) params.set('whole', '1');
    location.hash = `${base.slice(1)}?${params}`;
  };

  if (!history.data) return <Status error={history.error} what="the history" />;
  if (commits.length === 0 || !from || !to)
    return <p>This document has fewer than two versions to compare.</p>;
  const option = (c: { id: string; time: string; message: string }) => (
    <option value={c.id}>
      {c.id.slice(0, 7)} {c.time.slice(0, 16).replace('T', ' ')} {c.message.slice(0, 60)}
    </option>
  );
  return (
    <section aria-labelledby="diff-title">
      <h2 id="diff-title">Diff</h2>
      <form class="diff-form" onSubmit={submit}>
        <div class="field">
          <label for="diff-from">From version</label>
          <select id="diff-from" name="from" value={from}>
            {commits.map(option)}
          </select>
        </div>
        <div class="field">
          <label for="diff-to">To version</label>
          <select id="diff-to" name="to" value={to}>
            {commits.map(option)}
          </select>
        </div>
        <div class="field check">
          <input id="diff-whole" type="checkbox" name="whole" value="1" checked={whole} />
          <label for="diff-whole">Show the whole document</label>
        </div>
        <button type="submit">Compare</button>
      </form>
      <DiffTable path={path} from={from} to={to} whole={whole} />
    </section>
  );
}

function DiffTable(props: { path: string; from: string; to: string; whole: boolean }) {
  const { path, from, to, whole } = props;
  const q = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
  const { data, error } = useLoad(
    () =>
      Promise.all([
        api<DiffAnswer>(`/v1/diff/${path}?${q}`),
        whole
          ? api<ConsoleConfig>(`/v1/console/config/${path}?label=${encodeURIComponent(to)}`)
          : undefined,
      ]),
    [path, from, to, whole],
    () => false,
  );
  if (!data) return <Status error={error} what="the diff" />;
  const [diff, full] = data;
  const lines: Line[] = [
    ...Object.entries(diff.added).map(([key, v]): Line => ({ key, change: 'added', to: v })),
    ...Object.entries(diff.removed).map(([key, v]): Line => ({ key, change: 'removed', from: v })),
    ...Object.entries(diff.changed).map(([key, v]): Line => ({
      key,
      change: 'changed',
      from: v.from,
      to: v.to,
    })),
  ];
  if (full) {
    const listed = new Set(lines.map((l) => l.key));
    for (const e of full.entries)
      if (!listed.has(e.key))
        lines.push({ key: e.key, change: 'same', to: e.value, masked: e.masked });
  }
  lines.sort((a, b) => a.key.localeCompare(b.key));
  const changes = lines.filter((l) => l.change !== 'same').length;
  return (
    <>
      <p aria-live="polite">
        <Short id={diff.fromVersion} /> → <Short id={diff.toVersion} />: {changes} changed{' '}
        {changes === 1 ? 'key' : 'keys'}
        {whole ? `, ${lines.length} keys in all` : ''}.
      </p>
      <div class="table-wrap" tabIndex={0} role="region" aria-label="Changed keys">
        <table class="diff cards">
          <caption>{whole ? 'Whole document' : 'Changed keys'}</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Change</th>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l) => (
              <tr key={l.key} class={`change-${l.change}`}>
                <th scope="row" data-label="Key">
                  <code>
                    <Text value={l.key} />
                  </code>
                </th>
                <td data-label="Change">{l.change}</td>
                <td data-label="Before">
                  {l.change === 'added' || l.change === 'same' ? (
                    ''
                  ) : (
                    <Value value={l.from ?? null} masked={l.from === MASK} />
                  )}
                </td>
                <td data-label="After">
                  {l.change === 'removed' ? (
                    ''
                  ) : (
                    <Value value={l.to ?? null} masked={l.masked || l.to === MASK} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
