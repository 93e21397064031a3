import { useState } from 'preact/hooks';
import { api, docPath, ifFeature } from '../api';
import type { LiveEvent } from '../live';
import { href, type Route } from '../router';
import { SortableTable } from '../sortable';
import { Short, Text, When, docName } from '../text';
import type {
  DocumentsAnswer,
  FleetAnswer,
  FleetDocument,
  FleetInstance,
  FleetInstancesAnswer,
} from '../types';
import { useLoad } from '../use-load';
import { Status } from './status';

const UNAVAILABLE = (
  <p>
    This server has no fleet view (<code>/v1/fleet</code> is not part of this server).
  </p>
);

/** The most instances one page shows (the API's largest page). */
const PAGE = 1000;

/** `#/fleet` and `#/fleet/{service}/{profiles}[?label=…]`. */
export function FleetPage({ route }: { route: Route }) {
  const [, service, profiles] = route.parts;
  return service && profiles ? (
    <Instances
      service={service}
      profiles={profiles.split(',')}
      label={route.query.get('label') ?? undefined}
    />
  ) : (
    <FleetList />
  );
}

/** The link to one document's instances; the label only when it is not the default. */
function fleetHref(d: FleetDocument, defaultLabel: string): string {
  const link = href('fleet', d.service, d.profiles.join(','));
  return d.label === defaultLabel ? link : `${link}?label=${encodeURIComponent(d.label)}`;
}

function FleetList() {
  const { data, error, loading } = useLoad(() => fleetApi<FleetAnswer>('/v1/fleet'), []);
  const heading = <h1 tabIndex={-1}>Fleet</h1>;
  if (loading || error)
    return (
      <>
        {heading}
        <Status error={error} what="the fleet" />
      </>
    );
  if (data === undefined)
    return (
      <>
        {heading}
        {UNAVAILABLE}
      </>
    );
  const { documents, defaultLabel } = data;
  const online = documents.reduce((n, d) => n + d.online, 0);
  return (
    <>
      {heading}
      <p aria-live="polite">
        {documents.length === 0
          ? 'No instance has said hello yet.'
          : `${online} instance${online === 1 ? '' : 's'} online across ${documents.length} document${documents.length === 1 ? '' : 's'}.`}
        {data.partial ? ' Some replicas did not answer: counts may be short.' : ''}
      </p>
      <SortableTable<FleetDocument>
        caption="Instances per document"
        rows={documents}
        rowKey={(d) => `${d.service}/${d.profiles.join(',')}@${d.label}`}
        columns={[
          {
            key: 'doc',
            title: 'Document',
            sortValue: (d) => `${d.service}/${d.profiles.join(',')}@${d.label}`,
            cell: (d) => (
              <a href={fleetHref(d, defaultLabel)}>
                <Text value={docName(d.service, d.profiles)} />
                {d.label === defaultLabel ? (
                  ''
                ) : (
                  <>
                    {' '}
                    @ <Text value={d.label} />
                  </>
                )}
              </a>
            ),
          },
          {
            key: 'version',
            title: 'Published',
            sortValue: (d) => d.published?.version ?? '',
            cell: (d) => <Short id={d.published?.version} />,
          },
          { key: 'online', title: 'Online', sortValue: (d) => d.online, cell: (d) => d.online },
          {
            key: 'applied',
            title: 'Applied',
            sortValue: (d) => d.applied,
            cell: (d) => `${d.applied} of ${d.online}`,
          },
          { key: 'failed', title: 'Failed', sortValue: (d) => d.failed, cell: (d) => d.failed },
          { key: 'older', title: 'Older version', sortValue: (d) => d.older, cell: (d) => d.older },
          {
            key: 'offline',
            title: 'Offline',
            sortValue: (d) => d.offline,
            cell: (d) => d.offline,
          },
        ]}
      />
    </>
  );
}

/** `path` when the server has a fleet view; undefined when it has none. */
async function fleetApi<T>(path: string): Promise<T | undefined> {
  const { features } = await api<DocumentsAnswer>('/v1/console/documents');
  return ifFeature<T>(features, 'fleet', path);
}

/** The state filter: connection (online, offline) or standing on the document. */
function inState(i: FleetInstance, state: string): boolean {
  if (state === 'all') return true;
  if (state === 'online') return i.online;
  if (state === 'offline') return !i.online;
  return i.state === state;
}

/** `zone=eu-1`, `zone:eu-1` or just `zone`: every instance whose labels match. */
function labelFilter(text: string): (i: FleetInstance) => boolean {
  const trimmed = text.trim();
  if (!trimmed) return () => true;
  const at = trimmed.search(/[=:]/);
  const key = (at < 0 ? trimmed : trimmed.slice(0, at)).trim();
  const value = at < 0 ? undefined : trimmed.slice(at + 1).trim();
  return (i) => i.labels[key] !== undefined && (value === undefined || i.labels[key] === value);
}

function Instances(props: { service: string; profiles: string[]; label: string | undefined }) {
  const { service, profiles, label: gitLabel } = props;
  const query = `?limit=${PAGE}${gitLabel ? `&label=${encodeURIComponent(gitLabel)}` : ''}`;
  const path = `/v1/fleet/${docPath(service, profiles)}${query}`;
  // Another document's fleet events need no reload here; anything else may.
  const relevant = (e: LiveEvent) =>
    e.kind !== 'fleet' ||
    (e.data.service === service && String(e.data.profiles) === profiles.join(','));
  const { data, error, loading } = useLoad(
    () => fleetApi<FleetInstancesAnswer>(path),
    [path],
    relevant,
  );
  const [state, setState] = useState('all');
  const [version, setVersion] = useState('all');
  const [label, setLabel] = useState('');
  const title = (
    <h1 tabIndex={-1}>
      Fleet of <Text value={docName(service, profiles)} />
      {gitLabel ? (
        <>
          {' '}
          @ <Text value={gitLabel} />
        </>
      ) : (
        ''
      )}
    </h1>
  );
  if (loading || error)
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
  const instances = data.instances;
  const versionOf = (i: FleetInstance) => i.documents[0]?.version ?? '';
  const versions = [...new Set(instances.map(versionOf))].filter(Boolean);
  const labelled = labelFilter(label);
  const shown = instances.filter(
    (i) => inState(i, state) && (version === 'all' || versionOf(i) === version) && labelled(i),
  );
  const online = instances.filter((i) => i.online).length;
  return (
    <>
      {title}
      <p>
        Published: <Short id={data.published?.version} />
      </p>
      <p aria-live="polite" id="fleet-count">
        {online} online, {instances.length - online} offline; {shown.length} shown.
        {data.nextCursor ? ` Only the first ${PAGE} instances are listed.` : ''}
        {data.partial ? ' Some replicas did not answer.' : ''}
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
            <option value="applied">applied</option>
            <option value="failed">failed</option>
            <option value="older">older</option>
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
            key: 'source',
            title: 'Source',
            sortValue: (i) => i.source,
            cell: (i) => (i.source === 'spring-bus' ? 'Spring bus' : 'SDK'),
          },
          {
            key: 'online',
            title: 'Connection',
            sortValue: (i) => (i.online ? 0 : 1),
            cell: (i) => (i.online ? 'online' : 'offline'),
          },
          {
            key: 'state',
            title: 'State',
            sortValue: (i) => i.state,
            cell: (i) => (
              <span
                class={`state state-${i.state === 'applied' ? 'ok' : i.state === 'failed' ? 'rejected' : 'degraded'}`}
              >
                {i.state}
              </span>
            ),
          },
          {
            key: 'version',
            title: 'Applied',
            sortValue: versionOf,
            cell: (i) => <Short id={i.documents[0]?.version} />,
          },
          {
            key: 'labels',
            title: 'Labels',
            cell: (i) => (
              <Text
                value={Object.entries(i.labels)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(' ')}
              />
            ),
          },
          {
            key: 'host',
            title: 'Host',
            sortValue: (i) => i.host ?? '',
            cell: (i) => <Text value={`${i.host ?? ''}${i.pid !== null ? ` (${i.pid})` : ''}`} />,
          },
          {
            key: 'seen',
            title: 'Last seen',
            sortValue: (i) => i.lastSeen,
            cell: (i) => <When time={i.lastSeen} />,
          },
          {
            key: 'error',
            title: 'Last error',
            cell: (i) => (i.lastError ? <Text value={i.lastError.error} /> : ''),
          },
        ]}
      />
    </>
  );
}
