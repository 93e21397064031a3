import { useState } from 'preact/hooks';
import { api, docPath, ifFeature } from '../api';
import type { DocumentsAnswer } from '../types';
import { href, type Route } from '../router';
import { SortableTable } from '../sortable';
import { Short, Text, When, docName } from '../text';
import type { FleetDocument, FleetInstance } from '../types';
import { useLoad } from '../use-load';
import { fleetList } from './overview';
import { Status } from './status';

const UNAVAILABLE = (
  <p>
    This server has no fleet view (<code>/v1/fleet</code> is not part of this server).
  </p>
);

/** `#/fleet` and `#/fleet/{service}/{profiles}`. */
export function FleetPage({ route }: { route: Route }) {
  const [, service, profiles] = route.parts;
  return service && profiles ? (
    <Instances service={service} profiles={profiles.split(',')} />
  ) : (
    <FleetList />
  );
}

function FleetList() {
  const { data, error, loading } = useLoad(() => fleetApi('/v1/fleet'), []);
  if (loading && !error)
    return (
      <>
        <h1 tabIndex={-1}>Fleet</h1>
        <Status error={undefined} what="the fleet" />
      </>
    );
  return (
    <>
      <h1 tabIndex={-1}>Fleet</h1>
      {error ? (
        <Status error={error} what="the fleet" />
      ) : data === undefined ? (
        UNAVAILABLE
      ) : (
        <SortableTable<FleetDocument>
          caption="Instances per document"
          rows={fleetList(data)}
          rowKey={(d) => `${d.service}/${d.profiles.join(',')}`}
          columns={[
            {
              key: 'doc',
              title: 'Document',
              sortValue: (d) => `${d.service}/${d.profiles.join(',')}`,
              cell: (d) => (
                <a href={href('fleet', d.service, d.profiles.join(','))}>
                  <Text value={docName(d.service, d.profiles)} />
                </a>
              ),
            },
            { key: 'online', title: 'Online', sortValue: (d) => d.online, cell: (d) => d.online },
            {
              key: 'applied',
              title: 'Applied',
              sortValue: (d) => d.applied,
              cell: (d) => `${d.applied} of ${d.online}`,
            },
            { key: 'failed', title: 'Failed', sortValue: (d) => d.failed, cell: (d) => d.failed },
            {
              key: 'older',
              title: 'Older version',
              sortValue: (d) => d.older ?? 0,
              cell: (d) => d.older ?? 0,
            },
          ]}
        />
      )}
    </>
  );
}

async function fleetApi(path: string): Promise<unknown> {
  const { features } = await api<DocumentsAnswer>('/v1/console/documents');
  return ifFeature<unknown>(features, 'fleet', path);
}

/** The state filter: `failed` means the instance's last delivery failed. */
function inState(i: FleetInstance, state: string): boolean {
  if (state === 'online') return isOnline(i);
  if (state === 'offline') return !isOnline(i);
  if (state === 'failed') return Boolean(i.lastError) || i.state === 'failed';
  return true;
}

function isOnline(i: FleetInstance): boolean {
  return i.online ?? i.state === 'online';
}

function Instances({ service, profiles }: { service: string; profiles: string[] }) {
  const path = docPath(service, profiles);
  const { data, error, loading } = useLoad(() => fleetApi(`/v1/fleet/${path}`), [path]);
  const [state, setState] = useState('all');
  const [version, setVersion] = useState('all');
  const [label, setLabel] = useState('');
  const title = (
    <h1 tabIndex={-1}>
      Fleet of <Text value={docName(service, profiles)} />
    </h1>
  );
  if (loading && !error)
    return (
      <>
        {title}
        <Status error={undefined} what="instances" />
      </>
    );
  if (error)
    return (
      <>
        {title}
        <Status error={error} what="instances" />
      </>
    );
  if (data === undefined)
    return (
      <>
        {title}
        {UNAVAILABLE}
      </>
    );
  const list = Array.isArray(data)
    ? data
    : ((data as { instances?: FleetInstance[] }).instances ?? []);
  const instances = list as FleetInstance[];
  const versions = [
    ...new Set(instances.map((i) => i.appliedVersion ?? i.appliedEtag ?? '')),
  ].filter(Boolean);
  const [lk, lv] = label.split('=');
  const shown = instances.filter(
    (i) =>
      inState(i, state) &&
      (version === 'all' || (i.appliedVersion ?? i.appliedEtag) === version) &&
      (!label.trim() ||
        (lk !== undefined &&
          i.labels?.[lk.trim()] !== undefined &&
          (lv === undefined || i.labels?.[lk.trim()] === lv.trim()))),
  );
  const online = instances.filter(isOnline).length;
  return (
    <>
      {title}
      <p aria-live="polite">
        {online} online, {instances.length - online} offline; {shown.length} shown.
      </p>
      <div class="filters">
        <div class="field">
          <label for="f-state">State</label>
          <select
            id="f-state"
            value={state}
            onChange={(e) => setState((e.target as HTMLSelectElement).value)}
          >
            <option value="all">all</option>
            <option value="online">online</option>
            <option value="offline">offline</option>
            <option value="failed">failed</option>
          </select>
        </div>
        <div class="field">
          <label for="f-version">Version</label>
          <select
            id="f-version"
            value={version}
            onChange={(e) => setVersion((e.target as HTMLSelectElement).value)}
          >
            <option value="all">all</option>
            {versions.map((v) => (
              <option value={v}>{v.slice(0, 7)}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="f-label">Label (key=value)</label>
          <input
            id="f-label"
            value={label}
            onInput={(e) => setLabel((e.target as HTMLInputElement).value)}
          />
        </div>
      </div>
      <SortableTable<FleetInstance>
        caption="Instances"
        rows={shown}
        rowKey={(i) => i.id}
        columns={[
          {
            key: 'id',
            title: 'Instance',
            sortValue: (i) => i.id,
            cell: (i) => <Text value={i.id} />,
          },
          {
            key: 'state',
            title: 'State',
            sortValue: (i) => (isOnline(i) ? 0 : 1),
            cell: (i) => (isOnline(i) ? 'online' : 'offline'),
          },
          {
            key: 'version',
            title: 'Applied',
            sortValue: (i) => i.appliedVersion ?? '',
            cell: (i) => <Short id={i.appliedVersion ?? i.appliedEtag} />,
          },
          {
            key: 'labels',
            title: 'Labels',
            cell: (i) => (
              <Text
                value={Object.entries(i.labels ?? {})
                  .map(([k, v]) => `${k}=${v}`)
                  .join(' ')}
              />
            ),
          },
          {
            key: 'host',
            title: 'Host',
            sortValue: (i) => i.host ?? '',
            cell: (i) => <Text value={`${i.host ?? ''}${i.pid ? ` (${i.pid})` : ''}`} />,
          },
          {
            key: 'seen',
            title: 'Last seen',
            sortValue: (i) => i.lastSeen ?? '',
            cell: (i) => <When time={i.lastSeen} />,
          },
          {
            key: 'error',
            title: 'Last error',
            cell: (i) => (i.lastError ? <Text value={i.lastError} /> : ''),
          },
        ]}
      />
    </>
  );
}
