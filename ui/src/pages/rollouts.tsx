import { useState } from 'preact/hooks';
import { api, ifFeature } from '../api';
import { href, type Route } from '../router';
import { SortableTable } from '../sortable';
import { Text, When, docName } from '../text';
import type { DocumentsAnswer, Rollout, RolloutEvent } from '../types';
import { useLoad } from '../use-load';
import { rolloutList } from './overview';
import { Status } from './status';

const UNAVAILABLE = (
  <p>
    This server has no rollouts (<code>/v1/rollouts</code> is not part of this server).
  </p>
);

/** `#/rollouts` and `#/rollouts/{service}/{profile}`. */
export function RolloutsPage({ route }: { route: Route }) {
  const [, service, profile] = route.parts;
  return service && profile ? (
    <RolloutDetail service={service} profile={profile} />
  ) : (
    <RolloutList />
  );
}

function cohortSize(r: Rollout): string {
  const c = r.cohort;
  if (c === undefined) return '';
  if (typeof c === 'number') return String(c);
  if (Array.isArray(c)) return String(c.length);
  return String(c.size ?? c.instances?.length ?? '');
}

function RolloutList() {
  const { data, error, loading } = useLoad(async () => {
    const { features } = await api<DocumentsAnswer>('/v1/console/documents');
    return ifFeature<unknown>(features, 'rollouts', '/v1/rollouts');
  }, []);
  if (loading && !error)
    return (
      <>
        <h1 tabIndex={-1}>Rollouts</h1>
        <Status error={undefined} what="rollouts" />
      </>
    );
  return (
    <>
      <h1 tabIndex={-1}>Rollouts</h1>
      {error ? (
        <Status error={error} what="rollouts" />
      ) : data === undefined ? (
        UNAVAILABLE
      ) : (
        <SortableTable<Rollout>
          caption="Rollouts"
          rows={rolloutList(data)}
          rowKey={(r) => `${r.service}/${r.profile}`}
          columns={[
            {
              key: 'doc',
              title: 'Document',
              sortValue: (r) => `${r.service}/${r.profile}`,
              cell: (r) => (
                <a href={href('rollouts', r.service, r.profile)}>
                  <Text value={docName(r.service, [r.profile])} />
                </a>
              ),
            },
            {
              key: 'status',
              title: 'Status',
              sortValue: (r) => r.status ?? '',
              cell: (r) => r.status ?? '',
            },
            {
              key: 'percent',
              title: 'Percent',
              sortValue: (r) => r.percent ?? 0,
              cell: (r) => `${r.percent ?? 0} %`,
            },
            { key: 'cohort', title: 'Cohort', cell: cohortSize },
            {
              key: 'applied',
              title: 'Applied',
              sortValue: (r) => r.applied ?? 0,
              cell: (r) => r.applied ?? 0,
            },
            {
              key: 'failed',
              title: 'Failed',
              sortValue: (r) => r.failed ?? 0,
              cell: (r) => r.failed ?? 0,
            },
          ]}
        />
      )}
    </>
  );
}

/** Bake left as the server gives it: milliseconds (shown in seconds) or a text. */
function bakeText(left: Rollout['bakeLeft']): string {
  if (typeof left === 'number') return `${Math.ceil(left / 1000)} s`;
  return left ?? 'none';
}

function eventText(e: RolloutEvent): string {
  return [e.kind ?? e.type ?? '', e.message ?? ''].filter(Boolean).join(': ');
}

function RolloutDetail({ service, profile }: { service: string; profile: string }) {
  const path = `${encodeURIComponent(service)}/${encodeURIComponent(profile)}`;
  const { data, error, loading, reload } = useLoad(async () => {
    const docs = await api<DocumentsAnswer>('/v1/console/documents');
    return [
      await ifFeature<unknown>(docs.features, 'rollouts', `/v1/rollouts/${path}`),
      docs,
    ] as const;
  }, [path]);
  const [confirming, setConfirming] = useState(false);
  const [halting, setHalting] = useState<string | undefined>(undefined);
  const title = (
    <h1 tabIndex={-1}>
      Rollout of <Text value={docName(service, [profile])} />
    </h1>
  );
  if (loading && !error)
    return (
      <>
        {title}
        <Status error={undefined} what="the rollout" />
      </>
    );
  if (error || !data)
    return (
      <>
        {title}
        <Status error={error} what="the rollout" />
      </>
    );
  const [answer, docs] = data;
  if (answer === undefined)
    return (
      <>
        {title}
        {UNAVAILABLE}
      </>
    );
  const r = ((answer as { rollout?: Rollout }).rollout ?? answer) as Rollout;
  const admin = docs.principal.admin;
  // Nothing to halt once halted or complete.
  const halted = r.status === 'halted' || r.status === 'complete';
  const halt = async () => {
    setHalting('Halting…');
    try {
      await api(`/v1/rollouts/${path}/halt`, { method: 'POST' });
      setHalting('Halted.');
      setConfirming(false);
      reload();
    } catch (err) {
      setHalting(`Could not halt: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  return (
    <>
      {title}
      <dl class="facts">
        <dt>Status</dt>
        <dd>{r.status ?? 'unknown'}</dd>
        <dt>Step</dt>
        <dd>
          {r.step ?? '?'} of {r.steps?.length ?? '?'} ({r.percent ?? 0} %)
        </dd>
        <dt>Cohort</dt>
        <dd>{cohortSize(r)} instances</dd>
        <dt>Applied</dt>
        <dd>{r.applied ?? 0}</dd>
        <dt>Failed</dt>
        <dd>{r.failed ?? 0}</dd>
        <dt>Bake left</dt>
        <dd>{bakeText(r.bakeLeft)}</dd>
        {r.haltReason && (
          <>
            <dt>Halt reason</dt>
            <dd>
              <Text value={r.haltReason} />
            </dd>
          </>
        )}
      </dl>
      <h2>Steps</h2>
      <ol class="steps">
        {(r.steps ?? []).map((s, i) => (
          <li aria-current={r.step === i + 1 ? 'step' : undefined}>
            {`${s.percent} %${s.bake !== undefined ? `, bake ${s.bake}` : ''}`}
            {r.step === i + 1 ? ' (current)' : ''}
          </li>
        ))}
      </ol>
      {admin && !halted && (
        <div class="actions">
          {confirming ? (
            <>
              <p>Every instance gets the document without the overlay. Halt?</p>
              <button type="button" class="danger" onClick={() => void halt()}>
                Confirm halt
              </button>{' '}
              <button type="button" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </>
          ) : (
            <button type="button" class="danger" onClick={() => setConfirming(true)}>
              Halt rollout
            </button>
          )}
        </div>
      )}
      <p aria-live="polite">{halting ?? ''}</p>
      <h2>Events</h2>
      {(r.events ?? []).length === 0 ? (
        <p class="muted">No events yet.</p>
      ) : (
        <ol class="events">
          {(r.events ?? []).map((e) => (
            <li>
              <When time={e.time ?? e.at} /> <Text value={eventText(e)} />
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
