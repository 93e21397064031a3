import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { connect, type HotconfClientError } from '@hotconf/client';
import { FAST_RETRY, nextEvent, Sandbox, whenConnected } from './sdk-helpers.js';

/** Repository root (tests run from dist/test/sdk). */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const DOC = [
  'db:',
  '  host: db.internal',
  '  port: 5432',
  '  url: jdbc:postgresql://${db.host}:${db.port}/${db.name:orders}',
  'service:',
  '  greeting: hello from ${service.name}',
  '  name: ${app.name:orders-service}',
  '  home: ${HOTCONF_PLACEHOLDER_TEST_MISSING:/srv/fallback}',
  '  nested: ${missing.outer:${db.host}}',
  '  literal: \\${db.host} stays',
  '  unknown: ${not.there}',
  'hosts: ["${db.host}", plain]',
  '',
].join('\n');

describe('HotconfClient placeholders', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = new Sandbox();
  });
  afterEach(() => sb.dispose());

  it('resolves ${a.b} from the document and ${MISSING:fallback} from the default, nested too', async () => {
    const repo = await sb.repo({ 'orders.yml': DOC });
    const server = await sb.server(repo);
    const cfg = sb.track(
      await connect({ server: server.url, service: 'orders', retry: FAST_RETRY }),
    );
    expect(cfg.get('db.url')).to.equal('jdbc:postgresql://db.internal:5432/orders');
    expect(cfg.get('service.greeting')).to.equal('hello from orders-service');
    expect(cfg.get('service.home')).to.equal('/srv/fallback');
    expect(cfg.get('service.nested')).to.equal('db.internal');
    expect(cfg.get('service.literal')).to.equal('${db.host} stays');
    expect(cfg.get('service.unknown')).to.equal('${not.there}');
    expect(cfg.get('hosts')).to.deep.equal(['db.internal', 'plain']);
    expect(Object.isFrozen(cfg.config)).to.equal(true);
  });

  it('re-resolves on a change, and tells onKey listeners of values that changed through a reference', async () => {
    const repo = await sb.repo({ 'orders.yml': DOC });
    const server = await sb.server(repo);
    const cfg = sb.track(
      await connect({ server: server.url, service: 'orders', retry: FAST_RETRY }),
    );
    await whenConnected(cfg);
    const urls: unknown[] = [];
    cfg.onKey('db.url', (url) => urls.push(url));
    const changed = nextEvent(cfg, 'change');
    await repo.commit({ 'orders.yml': DOC.replace('host: db.internal', 'host: db2.internal') });
    const change = await changed;
    expect(change.changedKeys).to.include('db.url');
    expect(urls).to.deep.equal(['jdbc:postgresql://db2.internal:5432/orders']);
  });

  it('leaves everything as written with resolvePlaceholders: false', async () => {
    const repo = await sb.repo({ 'orders.yml': DOC });
    const server = await sb.server(repo);
    const cfg = sb.track(
      await connect({
        server: server.url,
        service: 'orders',
        retry: FAST_RETRY,
        resolvePlaceholders: false,
      }),
    );
    expect(cfg.get('db.url')).to.equal('jdbc:postgresql://${db.host}:${db.port}/${db.name:orders}');
    expect(cfg.get('service.literal')).to.equal('\\${db.host} stays');
  });

  it('reports a cycle as an error event and leaves its placeholders as written', async () => {
    const repo = await sb.repo({ 'orders.yml': 'a: x${b}\nb: y${a}\nc: ${c}\nok: ${a:z}\n' });
    const server = await sb.server(repo);
    const cfg = sb.track(
      await connect({ server: server.url, service: 'orders', retry: FAST_RETRY }),
    );
    const error = (await nextEvent(cfg, 'error')) as HotconfClientError;
    expect(error.code).to.equal('HC_PLACEHOLDER_CYCLE');
    expect(error.message).to.equal(
      'hotconf: placeholders in orders/default refer to each other in a cycle (a -> b -> a; c -> c); they are left as written',
    );
    expect(cfg.get('a')).to.equal('xy${a}');
    expect(cfg.get('c')).to.equal('${c}');
  });

  it('takes a name from the environment (DB_PASSWORD for ${db.password}) in a real service', async () => {
    const repo = await sb.repo({
      'orders.yml': 'db:\n  url: postgres://orders:${db.password}@db/${DB_NAME:orders}\n',
    });
    const server = await sb.server(repo);
    const source = `
      import { connect } from '@hotconf/client';
      const cfg = await connect({ server: process.env.SERVER, service: 'orders' });
      console.log(cfg.get('db.url'));
      await cfg.close();
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
      cwd: ROOT,
      env: { ...process.env, SERVER: server.url, DB_PASSWORD: 's3cret', DB_NAME: 'orders_eu' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(out).to.equal('postgres://orders:s3cret@db/orders_eu\n');
    expect(code).to.equal(0);
  });
});
