import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ifFeature } from '../api';
import { href, type Route } from '../router';
import { SortableTable } from '../sortable';
import { Text, When, docName } from '../text';
import type { DocumentsAnswer, Rollout } from '../types';
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
              sortValue: (r) => r.status,
              cell: (r) => r.status,
            },
            {
              key: 'step',
              title: 'Step',
              sortValue: (r) => r.step,
              cell: (r) => `${r.step} of ${r.steps.length} (${r.percent} %)`,
            },
            { key: 'cohort', title: 'Cohort', cell: (r) => r.share },
            {
              key: 'applied',
              title: 'Applied',
              sortValue: (r) => r.applied,
              cell: (r) => r.applied,
            },
            {
              key: 'failed',
              title: 'Failed',
              sortValue: (r) => r.failed,
              cell: (r) => r.failed,
            },
          ]}
        />
      )}
    </>
  );
}

/** Bake left: seconds while baking, `since` ms after the server said it; why none otherwise. */
function bakeText(r: Rollout, since: number): string {
  if (r.status !== 'running') return 'none';
  if (r.bakeLeft === null) return 'not started: waiting for the cohort to apply';
  return `${Math.ceil(Math.max(0, r.bakeLeft - since) / 1000)} s`;
}

function RolloutDetail({ service, profile }: { service: string; profile: string }) {
  const path = `${encodeURIComponent(service)}/${encodeURIComponent(profile)}`;
  const { data, error, loading, reload } = useLoad(async () => {
    const docs = await api<DocumentsAnswer>('/v1/console/documents');
    return [
      await ifFeature<Rollout>(docs.features, 'rollouts', `/v1/rollouts/${path}`),
      docs,
    ] as const;
  }, [path]);
  const [confirming, setConfirming] = useState(false);
  const [halting, setHalting] = useState<string | undefined>(undefined);
  const question = useRef<HTMLParagraphElement>(null);
  const outcome = useRef<HTMLParagraphElement>(null);
  // Nothing is sent while a step bakes quietly: the page counts the bake down itself.
  const loadedAt = useMemo(() => Date.now(), [data]);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  // The question takes focus, so a second Enter on the same spot never halts by accident.
  useEffect(() => {
    if (confirming) question.current?.focus();
  }, [confirming]);
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
  const [r, docs] = data;
  if (r === undefined)
    return (
      <>
        {title}
        {UNAVAILABLE}
      </>
    );
  const admin = docs.principal.admin;
  const halt = async () => {
    setHalting('Halting…');
    try {
      await api(`/v1/rollouts/${path}/halt`, { method: 'POST' });
      setHalting('Halted.');
      setConfirming(false);
      // The buttons are gone: focus goes to what happened, not to the page's start.
      outcome.current?.focus();
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
        <dd id="rollout-status">{r.status}</dd>
        {r.haltReason !== null && (
          <>
            <dt>Halt reason</dt>
            <dd id="rollout-halt-reason">
              <Text value={r.haltReason} />
            </dd>
          </>
        )}
        <dt>Step</dt>
        <dd>
          {r.step} of {r.steps.length} ({r.percent} %)
        </dd>
        <dt>Cohort</dt>
        <dd>
          <Text value={r.cohort.length === 0 ? 'nobody yet' : r.cohort.join(', ')} /> ({r.share} of
          the eligible instances online)
        </dd>
        <dt>Applied</dt>
        <dd>{r.applied}</dd>
        <dt>Failed</dt>
        <dd>{r.failed}</dd>
        <dt>Bake left</dt>
        <dd>{bakeText(r, Math.max(0, now - loadedAt))}</dd>
        {r.canaryFile !== null && (
          <>
            <dt>Canary file</dt>
            <dd>
              <Text value={r.canaryFile} />
            </dd>
          </>
        )}
      </dl>
      <h2>Steps</h2>
      <ol class="steps">
        {r.steps.map((s, i) => (
          <li key={i} aria-current={r.step === i + 1 ? 'step' : undefined}>
            {`${s.percent} %, bake ${s.bake}`}
            {r.step === i + 1 ? ' (current)' : ''}
          </li>
        ))}
      </ol>
      {/* Nothing to halt once halted or complete. */}
      {admin && r.status === 'running' && (
        <div class="actions">
          {confirming ? (
            <>
              <p tabIndex={-1} ref={question}>
                Every instance gets the document without the canary overlay. Halt?
              </p>
              <button key="confirm" type="button" class="danger" onClick={() => void halt()}>
                Confirm halt
              </button>{' '}
              <button key="cancel" type="button" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </>
          ) : (
            <button key="halt" type="button" class="danger" onClick={() => setConfirming(true)}>
              Halt rollout
            </button>
          )}
        </div>
      )}
      <p aria-live="polite" tabIndex={-1} ref={outcome}>
        {halting ?? ''}
      </p>
      <h2>Events</h2>
      {r.events.length === 0 ? (
        <p class="muted">No events yet.</p>
      ) : (
        <ol class="events">
          {r.events.map((e, i) => (
            <li key={i}>
              <When time={e.at} /> <Text value={e.message} />
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
