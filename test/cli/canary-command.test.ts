import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { HotconfServer } from '../../server/src/create-server.js';
import { mergeDocuments } from '../../server/src/config/merge.js';
import { runHotconf } from '../helpers/cli.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, settle, startServer } from '../helpers/server.js';

const PROD = [
  '# orders in production: reviewed by the db team',
  'db:',
  '  host: orders-db.prod # primary',
  '  pool:',
  '    max: 200',
  'kafka:',
  '  brokers: [k0, k1]',
  'timeouts: 30',
  '',
].join('\n');

const CANARY = [
  'rollout:',
  '  steps: [{percent: 10, bake: 5m}, {percent: 100, bake: 0}]',
  'config:',
  '  db: {pool: {max: 80, min: 4}}',
  '  kafka: {brokers: [k0, k1, k2]}',
  '  timeouts: {connectMs: 500}',
  '  tracing: {enabled: true}',
  '',
].join('\n');

describe('hotconf canary promote', () => {
  let repo: GitFixture;
  let server: HotconfServer | undefined;

  beforeEach(async () => {
    repo = await GitFixture.create({
      'application.yml': 'logging: {level: info}\n',
      'orders.yml': 'db: {host: orders-db}\n',
      'orders-prod.yml': PROD,
      'orders-prod.canary.yml': CANARY,
    });
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await repo.remove();
  });

  it('folds the overlay into the document file so that, committed, it serves the canary document', async () => {
    server = await startServer({ repo: repo.dir });
    const before = await request(`${server.url}/v1/config/orders/prod`);
    const overlay = { db: { pool: { max: 80, min: 4 } }, kafka: { brokers: ['k0', 'k1', 'k2'] } };
    const canary = mergeDocuments([
      { ...overlay, timeouts: { connectMs: 500 }, tracing: { enabled: true } },
      before.json.config,
    ]);

    const result = await runHotconf(['canary', 'promote', 'orders', 'prod', repo.dir]);
    expect(result.stderr).to.equal('');
    expect(result.code).to.equal(0);
    expect(result.stdout).to.equal(
      'folded orders-prod.canary.yml into orders-prod.yml and removed orders-prod.canary.yml\n' +
        'review with git diff, then commit both changes\n',
    );
    const status = (await repo.git('status', '--porcelain')).split('\n').map((l) => l.trim());
    expect(status.sort()).to.deep.equal(['D orders-prod.canary.yml', 'M orders-prod.yml']);

    await repo.git('commit', '-qam', 'promote the orders canary');
    await settle(server);
    const after = await request(`${server.url}/v1/config/orders/prod`);
    expect(after.status).to.equal(200);
    expect(after.json.config).to.deep.equal(canary);
  });

  it('keeps the file’s comments and key order', async () => {
    await runHotconf(['canary', 'promote', 'orders', 'prod', repo.dir]);
    expect(await readFile(path.join(repo.dir, 'orders-prod.yml'), 'utf8')).to.equal(
      [
        '# orders in production: reviewed by the db team',
        'db:',
        '  host: orders-db.prod # primary',
        '  pool:',
        '    max: 80',
        '    min: 4',
        'kafka:',
        '  brokers:',
        '    - k0',
        '    - k1',
        '    - k2',
        'timeouts:',
        '  connectMs: 500',
        'tracing:',
        '  enabled: true',
        '',
      ].join('\n'),
    );
  });

  it('creates the document file when the profile had none', async () => {
    await repo.commit({ 'orders-eu.canary.yml': CANARY.replace('tracing', 'region') });
    const result = await runHotconf(['canary', 'promote', 'orders', 'eu', repo.dir]);
    expect(result.code).to.equal(0);
    const text = await readFile(path.join(repo.dir, 'orders-eu.yml'), 'utf8');
    expect(text).to.contain('region:\n  enabled: true\n');
  });

  it('refuses a broken canary file with file and line, touching nothing', async () => {
    await repo.commit({ 'orders-prod.canary.yml': CANARY.replace('percent: 100', 'percent: 5') });
    const result = await runHotconf(['canary', 'promote', 'orders', 'prod', repo.dir]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.equal(
      'orders-prod.canary.yml line 2: step 2: percent 5 must be more than the step before (10)\n',
    );
    expect(await repo.git('status', '--porcelain')).to.equal('');
  });

  it('folds a .properties canary into the .properties file, keeping comments, order and continued lines', async () => {
    await repo.commit({
      'orders-dev.properties': [
        '# orders in dev',
        'db.host=orders-db.dev',
        'db.pool.max=200',
        'kafka.brokers[0]=k0',
        'kafka.brokers[1]=k1',
        'timeouts=30',
        'description=first \\',
        '  second',
        '',
      ].join('\n'),
      'orders-dev.canary.properties': [
        'rollout.steps[0].percent=10',
        'rollout.steps[0].bake=5m',
        'rollout.steps[1].percent=100',
        'rollout.steps[1].bake=0',
        'config.db.pool.max=80',
        'config.kafka.brokers[0]=k0',
        'config.kafka.brokers[1]=k1',
        'config.kafka.brokers[2]=k2',
        'config.timeouts.connectMs=500',
        'config.tracing.enabled=true',
        '',
      ].join('\n'),
    });
    server = await startServer({ repo: repo.dir });
    const result = await runHotconf(['canary', 'promote', 'orders', 'dev', repo.dir]);
    expect(result.stderr).to.equal('');
    expect(result.code).to.equal(0);
    expect(await readFile(path.join(repo.dir, 'orders-dev.properties'), 'utf8')).to.equal(
      [
        '# orders in dev',
        'db.host=orders-db.dev',
        'db.pool.max=80',
        'kafka.brokers[0]=k0',
        'kafka.brokers[1]=k1',
        'kafka.brokers[2]=k2',
        'timeouts.connectMs=500',
        'description=first \\',
        '  second',
        'tracing.enabled=true',
        '',
      ].join('\n'),
    );
    await repo.git('commit', '-qam', 'promote the orders dev canary');
    await settle(server);
    const after = await request(`${server.url}/v1/config/orders/dev`);
    expect(after.status).to.equal(200);
    expect(after.json.config).to.deep.include({
      db: { host: 'orders-db.dev', pool: { max: '80' } },
      kafka: { brokers: ['k0', 'k1', 'k2'] },
      timeouts: { connectMs: '500' },
      description: 'first second',
      tracing: { enabled: 'true' },
    });
  });

  it('refuses to fold a .properties canary into a YAML file, touching nothing', async () => {
    await repo.commit({
      'orders-qa.yml': 'db: {pool: {max: 5}}\n',
      'orders-qa.canary.properties':
        'rollout.steps[0].percent=100\nrollout.steps[0].bake=0\nconfig.db.pool.max=8\n',
    });
    const result = await runHotconf(['canary', 'promote', 'orders', 'qa', repo.dir]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.equal(
      'hotconf canary: orders-qa.canary.properties holds text values; orders-qa.yml is not a .properties file: fold it by hand\n',
    );
    expect(await repo.git('status', '--porcelain')).to.equal('');
  });

  it('says so when there is no canary to promote, and explains usage', async () => {
    const none = await runHotconf(['canary', 'promote', 'payments', 'prod', repo.dir]);
    expect(none.code).to.equal(1);
    expect(none.stderr).to.equal(
      'hotconf canary: no payments-prod.canary.yml in ' + repo.dir + '\n',
    );
    const usage = await runHotconf(['canary', 'promote', 'orders']);
    expect(usage.code).to.equal(2);
    expect(usage.stderr).to.match(
      /^hotconf canary: expected: canary promote <service> <profile> \[path\]/,
    );
  });
});
