import { expect } from 'chai';
import { GitFixture } from '../helpers/git-fixture.js';
import { runHotconf } from '../helpers/cli.js';

const SCHEMA = JSON.stringify({
  type: 'object',
  properties: {
    db: {
      type: 'object',
      properties: {
        pool: { type: 'object', properties: { max: { type: 'integer', maximum: 500 } } },
      },
    },
  },
});

describe('hotconf validate', () => {
  let repo: GitFixture;

  beforeEach(async () => {
    repo = await GitFixture.create({
      'application.yml': 'db:\n  pool:\n    max: 10\n',
      'orders.yml': 'db:\n  pool:\n    max: 20\n',
      'orders-prod.yml': 'db:\n  pool:\n    max: 200\n',
      'payments.yml': 'fee: 1\n',
      'schemas/orders.schema.json': SCHEMA,
    });
  });

  afterEach(() => repo.remove());

  it('exits 0 on a clean repository and says how many documents it checked', async () => {
    const result = await runHotconf(['validate', repo.dir]);
    expect(result.code).to.equal(0);
    expect(result.stdout).to.equal(
      '3 of 3 documents valid in the working tree; no schema for payments\n',
    );
  });

  it('exits 1 with one readable line per problem on a broken commit (--ref)', async () => {
    const good = await repo.head();
    await repo.commit({ 'orders-prod.yml': 'db:\n  pool:\n    max: 900\n' });
    const result = await runHotconf(['validate', repo.dir, '--ref', 'main']);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.equal(
      'orders [prod]: `db.pool.max` must be <= 500 — orders-prod.yml line 3\n',
    );
    expect(result.stderr).to.match(/^2 of 3 documents valid in main \([0-9a-f]{12}\)/);
    expect((await runHotconf(['validate', repo.dir, '--ref', good.slice(0, 8)])).code).to.equal(0);
  });

  it('checks the working tree by default, so an uncommitted mistake fails a pre-commit hook', async () => {
    await repo.write({ 'orders.yml': 'db:\n  pool:\n    max: 501\n' });
    // A hook runs in the config repository itself: `.` (no path means HOTCONF_REPO).
    const result = await runHotconf(['validate', '.'], { cwd: repo.dir });
    expect(result.code).to.equal(1);
    expect(result.stdout).to.equal(
      'orders [default]: `db.pool.max` must be <= 500 — orders.yml line 3\n',
    );
    // The committed state is still fine.
    expect((await runHotconf(['validate', '.', '--ref', 'HEAD'], { cwd: repo.dir })).code).to.equal(
      0,
    );
  });

  it('reports a YAML syntax error with file and line', async () => {
    await repo.write({ 'payments.yml': 'fee: [1\n' });
    const result = await runHotconf(['validate', repo.dir]);
    expect(result.code).to.equal(1);
    expect(result.stdout).to.match(/^payments \[default\]: payments\.yml line \d+: .+\n$/);
  });

  it('prints JSON with --json', async () => {
    await repo.write({ 'orders.yml': 'db:\n  pool:\n    max: 501\n' });
    const result = await runHotconf(['validate', repo.dir, '--json']);
    expect(result.code).to.equal(1);
    const report = JSON.parse(result.stdout);
    expect(report.ok).to.equal(false);
    const failing = report.documents.filter((d: { ok: boolean }) => !d.ok);
    expect(failing).to.deep.equal([
      {
        service: 'orders',
        profiles: ['default'],
        ok: false,
        validated: true,
        problems: [
          {
            path: '/db/pool/max',
            message: '`db.pool.max` must be <= 500 — orders.yml line 3',
            file: 'orders.yml',
            line: 3,
          },
        ],
      },
    ]);
  });

  it('exits 2 on usage errors', async () => {
    expect((await runHotconf(['validate', repo.dir, '--bogus'])).code).to.equal(2);
    expect((await runHotconf(['validate', repo.dir, '--ref', '--upload-pack=x'])).code).to.equal(2);
    expect((await runHotconf(['validate', repo.dir, '--ref', 'no-such-branch'])).code).to.equal(2);
    expect((await runHotconf(['validate', '/no/such/folder'])).code).to.equal(2);
  });
});
