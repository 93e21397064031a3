import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, startServer } from '../helpers/server.js';

/** Catastrophic for a backtracking engine: nested quantifiers and a failing tail. */
const EVIL = '^(a+)+$';
const schemaWith = (pattern: string) =>
  JSON.stringify({ type: 'object', properties: { name: { type: 'string', pattern } } });
const LONG = `${'a'.repeat(50_000)}!`;

/** Fails the test if `promise` takes longer than `ms`: a hung event loop never answers. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('schema patterns on a linear-time engine (DESIGN §3)', () => {
  let repo: GitFixture;
  let server: HotconfServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await repo?.remove();
  });

  it('judges ^(a+)+$ against a long "aaaa…!" at once: start-up binds, /health answers, old commits too', async () => {
    repo = await GitFixture.create({
      'schemas/svc.schema.json': schemaWith(EVIL),
      'svc.yml': 'name: aaaa\n',
    });
    const good = await repo.git('rev-parse', 'HEAD');
    const bad = await repo.commit({ 'svc.yml': `name: ${LONG}\n` }, 'a hostile value');
    // A restart on the bad head: walk-back runs the pattern at start-up and binds.
    server = await within(30_000, 'start-up', startServer({ repo: repo.dir }));
    const url = server.url;
    expect((await within(5000, '/health', request(`${url}/health`))).status).to.equal(200);
    const served = await request(`${url}/v1/config/svc/default`);
    expect([served.status, served.json.version, served.json.config]).to.deep.equal([
      200,
      good,
      { name: 'aaaa' },
    ]);
    const status = (await request(`${url}/v1/status`)).json;
    const doc = status.documents.find((d: any) => d.service === 'svc');
    expect(doc.state).to.equal('degraded');

    const atBad = await within(
      5000,
      '?label=',
      request(`${url}/v1/config/svc/default?label=${bad}`),
    );
    expect(atBad.status).to.equal(503);
    expect(atBad.json.error.details).to.deep.equal([
      {
        file: 'svc.yml',
        line: 1,
        path: '/name',
        message: '`name` must match pattern "^(a+)+$" — svc.yml line 1',
      },
    ]);
    const history = await within(5000, 'history', request(`${url}/v1/history/svc/default`));
    expect(history.status).to.equal(200);
    expect(history.json.commits.map((c: any) => c.id)).to.deep.equal([good]);
    const diff = await within(
      5000,
      'diff',
      request(`${url}/v1/diff/svc/default?from=${good}&to=${bad}`),
    );
    expect(diff.status).to.equal(422);
    expect((await request(`${url}/health`)).status).to.equal(200);
  });

  it('refuses a pattern RE2 cannot run, naming the schema file and the pattern', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['^(a)\\1$', { properties: { name: { type: 'string', pattern: '^(a)\\1$' } } }],
      ['^(?=a)a', { properties: { name: { type: 'string', pattern: '^(?=a)a' } } }],
      ['^x(?!y)', { patternProperties: { '^x(?!y)': { type: 'string' } } }],
    ];
    repo = await GitFixture.create({ 'svc.yml': 'name: aaaa\n' });
    server = await startServer({ repo: repo.dir });
    for (const [pattern, schema] of cases) {
      const commit = await repo.commit(
        { 'schemas/svc.schema.json': JSON.stringify({ type: 'object', ...schema }) },
        `pattern ${pattern}`,
      );
      await server.parts?.detector.refresh();
      await server.parts?.publisher.settled();
      const status = (await request(`${server.url}/v1/status`)).json;
      const doc = status.documents.find((d: any) => d.service === 'svc');
      expect(doc.rejection.commit, pattern).to.equal(commit);
      expect(doc.rejection.problems, pattern).to.deep.equal([
        {
          file: 'schemas/svc.schema.json',
          path: '',
          message: `schemas/svc.schema.json: pattern ${JSON.stringify(pattern)} cannot run on the linear-time regular expression engine (RE2): backreferences and lookaround are not supported, rewrite it without them`,
        },
      ]);
    }
  });
});
