import { useState } from 'preact/hooks';
import { api, ifFeature } from '../api';
import { href } from '../router';
import { SortableTable, type Column } from '../sortable';
import { Short, Text, When, docName } from '../text';
import type { DocumentSummary, DocumentsAnswer, FleetDocument, Rollout } from '../types';
import { useLoad } from '../use-load';
import { Status } from './status';

interface Row extends DocumentSummary {
  fleet: FleetDocument | undefined;
  rollout: Rollout | undefined;
}

interface OverviewData {
  answer: DocumentsAnswer;
  fleet: FleetDocument[] | undefined;
  rollouts: Rollout[] | undefined;
}

/** Reads `/v1/fleet`'s list whether it is `{documents}` or a bare array. */
export function fleetList(answer: unknown): FleetDocument[] {
  if (Array.isArray(answer)) return answer as FleetDocument[];
  const docs = (answer as { documents?: unknown } | undefined)?.documents;
  return Array.isArray(docs) ? (docs as FleetDocument[]) : [];
}

/** Reads `/v1/rollouts`' list whether it is `{rollouts}` or a bare array. */
export function rolloutList(answer: unknown): Rollout[] {
  if (Array.isArray(answer)) return answer as Rollout[];
  const list = (answer as { rollouts?: unknown } | undefined)?.rollouts;
  return Array.isArray(list) ? (list as Rollout[]) : [];
}

async function loadOverview(): Promise<OverviewData> {
  const answer = await api<DocumentsAnswer>('/v1/console/documents');
  const [fleet, rollouts] = await Promise.all([
    ifFeature<unknown>(answer.features, 'fleet', '/v1/fleet'),
    ifFeature<unknown>(answer.features, 'rollouts', '/v1/rollouts'),
  ]);
  return {
    answer,
    fleet: fleet === undefined ? undefined : fleetList(fleet),
    rollouts: rollouts === undefined ? undefined : rolloutList(rollouts),
  };
}

const same = (a: readonly string[], b: readonly string[]) => a.join(',') === b.join(',');

/** Every document the token may read: state, version, who and when, fleet and rollouts. */
export function Overview() {
  const { data, error } = useLoad(loadOverview, []);
  const [filter, setFilter] = useState('');
  if (!data)
    return (
      <>
        <h1 tabIndex={-1}>Documents</h1>
        <Status error={error} what="documents" />
      </>
    );
  const rows: Row[] = data.answer.documents.map((d) => ({
    ...d,
    fleet: data.fleet?.find(
      (f) => f.service === d.service && same(f.profiles, d.profiles) && f.label === d.label,
    ),
    rollout: data.rollouts?.find(
      (r) => r.service === d.service && d.profiles.length === 1 && r.profile === d.profiles[0],
    ),
  }));
  const needle = filter.trim().toLowerCase();
  const shown = needle
    ? rows.filter((r) =>
        [r.key, r.state, r.version ?? '', r.commit?.author ?? '', r.commit?.message ?? '']
          .join(' ')
          .toLowerCase()
          .includes(needle),
      )
    : rows;
  const columns: Column<Row>[] = [
    {
      key: 'document',
      title: 'Document',
      sortValue: (r) => r.key,
      cell: (r) => (
        <a href={href('doc', r.service, r.profiles.join(','))}>
          <Text value={docName(r.service, r.profiles)} />
        </a>
      ),
    },
    {
      key: 'state',
      title: 'State',
      sortValue: (r) => r.state,
      cell: (r) => <span class={`state state-${r.state}`}>{r.state}</span>,
    },
    {
      key: 'version',
      title: 'Version',
      sortValue: (r) => r.version ?? '',
      cell: (r) => <Short id={r.version} />,
    },
    {
      key: 'when',
      title: 'Updated',
      sortValue: (r) => r.commit?.time ?? '',
      cell: (r) =>
        r.commit ? (
          <>
            <When time={r.commit.time} /> by <Text value={r.commit.author} />
          </>
        ) : (
          <span class="muted">never served</span>
        ),
    },
  ];
  if (data.fleet) {
    columns.push({
      key: 'applied',
      title: 'Applied',
      sortValue: (r) => (r.fleet ? r.fleet.applied / Math.max(1, r.fleet.online) : -1),
      cell: (r) =>
        r.fleet ? (
          <a href={href('fleet', r.service, r.profiles.join(','))}>
            {r.fleet.applied} of {r.fleet.online} applied
            {r.fleet.failed > 0 ? `, ${r.fleet.failed} failed` : ''}
          </a>
        ) : (
          <span class="muted">no instances</span>
        ),
    });
  }
  columns.push({
    key: 'rejection',
    title: 'Rejection',
    sortValue: (r) => (r.rejection ? 0 : 1),
    cell: (r) =>
      r.rejection ? (
        <a href={href('rejections')} class="bad">
          <Short id={r.rejection.commit} /> refused
        </a>
      ) : (
        <span class="muted">none</span>
      ),
  });
  if (data.rollouts) {
    columns.push({
      key: 'rollout',
      title: 'Rollout',
      sortValue: (r) => r.rollout?.status ?? '',
      cell: (r) =>
        r.rollout ? (
          <a href={href('rollouts', r.rollout.service, r.rollout.profile)}>
            {r.rollout.status ?? 'rolling'}{' '}
            {r.rollout.percent !== undefined ? `${r.rollout.percent} %` : ''}
          </a>
        ) : (
          <span class="muted">none</span>
        ),
    });
  }
  return (
    <>
      <h1 tabIndex={-1}>Documents</h1>
      <p class="muted">
        Label <Text value={data.answer.label} />, signed in as{' '}
        <Text value={data.answer.principal.name} />
        {data.answer.principal.admin ? ' (admin)' : ''}.
      </p>
      <div class="field">
        <label for="filter">Filter documents</label>
        <input
          id="filter"
          type="search"
          value={filter}
          onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
          placeholder="service, state, author…"
        />
      </div>
      <p aria-live="polite" class="muted">
        {shown.length} of {rows.length} documents
      </p>
      <SortableTable caption="Documents" columns={columns} rows={shown} rowKey={(r) => r.key} />
    </>
  );
}
