import { api } from '../api';
import { href } from '../router';
import { Short, Text, When, docName } from '../text';
import type { DocumentsAnswer, RejectionInfo } from '../types';
import { useLoad } from '../use-load';
import { Status } from './status';

/** One refused commit: who, when, why (file, line, message), and what is served instead. */
export function RejectionDetails(props: {
  rejection: RejectionInfo;
  servedVersion: string | null;
}) {
  const { rejection, servedVersion } = props;
  return (
    <>
      <p>
        Commit <Short id={rejection.commit} /> by <Text value={rejection.author} />,{' '}
        <When time={rejection.time} />:{' '}
        <q>
          <Text value={rejection.message} />
        </q>
      </p>
      <ul class="problems">
        {rejection.problems.map((p) => (
          <li>
            <span class="where">
              {p.file ? <Text value={p.file} /> : <span class="muted">no file</span>}
              {p.line !== undefined ? ` line ${p.line}` : ''}
            </span>
            {': '}
            <Text value={p.message} />
          </li>
        ))}
      </ul>
      <p>
        Served instead:{' '}
        {servedVersion ? (
          <>
            version <Short id={servedVersion} />
          </>
        ) : (
          <strong>nothing (no valid version)</strong>
        )}
      </p>
    </>
  );
}

/** `#/rejections`: every open rejection the token may read. */
export function RejectionsPage() {
  const { data, error } = useLoad(() => api<DocumentsAnswer>('/v1/console/documents'), []);
  if (!data)
    return (
      <>
        <h1 tabIndex={-1}>Rejections</h1>
        <Status error={error} what="rejections" />
      </>
    );
  const rejected = data.documents.filter((d) => d.rejection);
  return (
    <>
      <h1 tabIndex={-1}>Rejections</h1>
      {rejected.length === 0 ? (
        <p>No open rejections: every document serves its newest commit.</p>
      ) : (
        rejected.map((d) => (
          <article class="card" aria-labelledby={`rej-${d.key}`}>
            <h2 id={`rej-${d.key}`}>
              <a href={href('doc', d.service, d.profiles.join(','))}>
                <Text value={docName(d.service, d.profiles)} />
              </a>
            </h2>
            {d.rejection && <RejectionDetails rejection={d.rejection} servedVersion={d.version} />}
          </article>
        ))
      )}
    </>
  );
}
