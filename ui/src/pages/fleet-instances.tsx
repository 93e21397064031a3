import { useState } from 'preact/hooks';
import { docPath } from '../api';
import type { LiveEvent } from '../live';
import { Short, Text, docName } from '../text';
import type { FleetInstance, FleetInstancesAnswer } from '../types';
import { useLoad } from '../use-load';
import { FLEET_PAGE, FLEET_UNAVAILABLE, fleetApi } from './fleet-api';
import { InstancesTable, instanceVersion } from './instances-table';
import { Status } from './status';

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

/** `#/fleet/{service}/{profiles}`: one document's instances, with filters. */
export function FleetInstances(props: {
  service: string;
  profiles: string[];
  label: string | undefined;
}) {
  const { service, profiles, label: gitLabel } = props;
  const query = `?limit=${FLEET_PAGE}${gitLabel ? `&label=${encodeURIComponent(gitLabel)}` : ''}`;
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
        {FLEET_UNAVAILABLE}
      </>
    );
  const instances = data.instances;
  const versionOf = instanceVersion;
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
        {data.nextCursor ? ` Only the first ${FLEET_PAGE} instances are listed.` : ''}
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
      <InstancesTable instances={shown} />
    </>
  );
}
