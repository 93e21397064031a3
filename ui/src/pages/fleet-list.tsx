import { href } from '../router';
import { SortableTable } from '../sortable';
import { Short, Text, docName } from '../text';
import type { FleetAnswer, FleetDocument } from '../types';
import { useLoad } from '../use-load';
import { FLEET_UNAVAILABLE, fleetApi } from './fleet-api';
import { Status } from './status';

/** The link to one document's instances; the label only when it is not the default. */
function fleetHref(d: FleetDocument, defaultLabel: string): string {
  const link = href('fleet', d.service, d.profiles.join(','));
  return d.label === defaultLabel ? link : `${link}?label=${encodeURIComponent(d.label)}`;
}

/** `#/fleet`: instances per document, with links to each document's instances. */
export function FleetList() {
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
        {FLEET_UNAVAILABLE}
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
