import { SortableTable } from '../sortable';
import { Short, Text, When } from '../text';
import type { FleetInstance } from '../types';

/** The version an instance applied of its document, or '' before it applied any. */
export const instanceVersion = (i: FleetInstance) => i.documents[0]?.version ?? '';

/** The instance table of a document's fleet page: one row per instance in `instances`. */
export function InstancesTable({ instances }: { instances: FleetInstance[] }) {
  return (
    <SortableTable<FleetInstance>
      caption="Instances"
      rows={instances}
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
          sortValue: instanceVersion,
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
  );
}
