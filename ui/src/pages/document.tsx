import { api, docPath } from '../api';
import { href, type Route } from '../router';
import { Short, Text, When, docName } from '../text';
import { ConfigTree } from '../tree';
import type { ConsoleConfig, DocumentsAnswer, HistoryAnswer } from '../types';
import { useLoad } from '../use-load';
import { DiffView } from './diff';
import { RejectionDetails } from './rejections';
import { Status } from './status';

const TABS = [
  ['config', 'Config'],
  ['history', 'History'],
  ['diff', 'Diff'],
] as const;

/** `#/doc/{service}/{profiles}[/config|history|diff]`: one document. */
export function DocumentPage({ route }: { route: Route }) {
  const [, service = '', profileText = 'default', tab = 'config'] = route.parts;
  const profiles = profileText.split(',');
  const name = docName(service, profiles);
  return (
    <>
      <h1 tabIndex={-1}>
        <Text value={name} />
      </h1>
      <nav aria-label="Document views" class="tabs">
        <ul>
          {TABS.map(([id, title]) => (
            <li>
              <a
                href={href('doc', service, profileText, id)}
                aria-current={tab === id ? 'page' : undefined}
              >
                {title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {tab === 'history' ? (
        <History service={service} profiles={profiles} />
      ) : tab === 'diff' ? (
        <DiffView service={service} profiles={profiles} query={route.query} />
      ) : (
        <Config service={service} profiles={profiles} />
      )}
    </>
  );
}

const about = (service: string) => (e: { data: Record<string, unknown> }) =>
  e.data.service === undefined || e.data.service === service;

function Config({ service, profiles }: { service: string; profiles: string[] }) {
  const path = docPath(service, profiles);
  const { data, error } = useLoad(
    () =>
      Promise.all([
        api<ConsoleConfig>(`/v1/console/config/${path}`),
        api<DocumentsAnswer>('/v1/console/documents'),
      ]),
    [path],
    about(service),
  );
  if (!data) return <Status error={error} what="the config" />;
  const [config, docs] = data;
  const summary = docs.documents.find(
    (d) => d.service === service && d.profiles.join(',') === profiles.join(','),
  );
  return (
    <section aria-labelledby="config-title">
      <h2 id="config-title">Merged config</h2>
      <p>
        Version <Short id={config.version} />
        {summary?.commit && (
          <>
            {' '}
            from <When time={summary.commit.time} /> by <Text value={summary.commit.author} />:{' '}
            <q>
              <Text value={summary.commit.message} />
            </q>
          </>
        )}
      </p>
      {summary?.rejection && (
        <div class="callout" role="note">
          <h3>The newest commit was refused</h3>
          <RejectionDetails rejection={summary.rejection} servedVersion={summary.version} />
        </div>
      )}
      <p class="muted">
        Files, highest precedence first:{' '}
        {config.sources.map((s, i) => (
          <>
            {i > 0 ? ', ' : ''}
            <Text value={s} />
          </>
        ))}
        . Secrets are masked by the server.
      </p>
      <ConfigTree entries={config.entries} />
    </section>
  );
}

function History({ service, profiles }: { service: string; profiles: string[] }) {
  const path = docPath(service, profiles);
  const { data, error } = useLoad(
    () => api<HistoryAnswer>(`/v1/history/${path}?limit=50`),
    [path],
    about(service),
  );
  if (!data) return <Status error={error} what="the history" />;
  const commits = data.commits;
  if (commits.length === 0) return <p>No commit changed this document yet.</p>;
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <ol class="history">
        {commits.map((c, i) => {
          const previous = commits[i + 1];
          return (
            <li key={c.id}>
              <p>
                <Short id={c.id} /> <When time={c.time} /> by <Text value={c.author} />
              </p>
              <p class="message">
                <Text value={c.message} />
              </p>
              <p class="keys">
                Changed:{' '}
                {c.changedKeys.map((k, j) => (
                  <>
                    {j > 0 ? ', ' : ''}
                    <code>
                      <Text value={k} />
                    </code>
                  </>
                ))}
              </p>
              {previous && (
                <a
                  href={`${href('doc', service, profiles.join(','), 'diff')}?from=${previous.id}&to=${c.id}`}
                >
                  Diff with the version before
                </a>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
