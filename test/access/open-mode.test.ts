import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { isLoopback } from '../../server/src/access/open-bind.js';
import { createServer } from '../../server/src/create-server.js';
import { captureLogger, Sandbox } from './access-helpers.js';

const run = promisify(execFile);
const MAIN = new URL('../../server/src/cli/main.js', import.meta.url).pathname;
const REFUSAL =
  'refusing to listen on 0.0.0.0 in open mode: without HOTCONF_TOKENS_FILE anyone who can reach it may read every secret. ' +
  'Set HOTCONF_TOKENS_FILE, or HOTCONF_ALLOW_OPEN=true if the network is trusted.';

describe('Open mode', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = new Sandbox();
  });
  afterEach(() => sb.dispose());

  it('binds 127.0.0.1 by default, warns at start, and lets every caller reach admin endpoints', async () => {
    const log = captureLogger();
    const server = await sb.server(await sb.repo(), { logger: log.logger });
    expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    const warning = JSON.parse(log.lines.find((l) => l.includes('open mode')) as string) as {
      level: number;
      msg: string;
    };
    expect(warning.level).to.equal(40);
    expect(warning.msg).to.equal(
      'open mode: no HOTCONF_TOKENS_FILE, every caller may read everything',
    );
    expect((await fetch(`${server.url}/v1/status`)).status).to.equal(200);
    expect((await fetch(`${server.url}/v1/config/orders/dev`)).status).to.equal(200);
  });

  it('refuses a public address in open mode with a message saying both ways out', async () => {
    const repo = await sb.repo();
    const server = createServer({ repo: repo.dir, port: 0, host: '0.0.0.0', logLevel: 'silent' });
    sb.defer(() => server.close());
    const error = await server.listen().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).to.equal(REFUSAL);
  });

  it('binds a public address in open mode with allowOpen, or with a token file', async () => {
    const repo = await sb.repo();
    const allowed = await sb.server(repo, { host: '0.0.0.0', allowOpen: true });
    expect((await fetch(`${allowed.url}/health`)).status).to.equal(200);
    const guarded = await sb.server(repo, { host: '0.0.0.0', tokensFile: await sb.tokenFile() });
    expect((await fetch(`${guarded.url}/v1/config/orders/dev`)).status).to.equal(401);
  });

  it('makes `hotconf serve` exit 1 with the refusal when HOTCONF_HOST is public and HOTCONF_ALLOW_OPEN unset', async () => {
    const repo = await sb.repo();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      HOTCONF_REPO: repo.dir,
      HOTCONF_HOST: '0.0.0.0',
      HOTCONF_PORT: '0',
      HOTCONF_LOG_LEVEL: 'silent',
    };
    delete env.HOTCONF_TOKENS_FILE;
    delete env.HOTCONF_ALLOW_OPEN;
    const result = await run(process.execPath, [MAIN, 'serve'], { env, timeout: 15_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(result.code).to.equal(1);
    expect(result.stderr).to.equal(`hotconf: could not start: ${REFUSAL}\n`);
  });

  it('counts only loopback addresses as private', () => {
    for (const host of [
      '127.0.0.1',
      '127.8.0.1',
      'localhost',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
    ]) {
      expect(isLoopback(host), host).to.equal(true);
    }
    for (const host of [
      '0.0.0.0',
      '::',
      '10.0.0.5',
      '192.168.1.20',
      'config.example.com',
      '::ffff:10.0.0.1',
      '128.0.0.1',
    ]) {
      expect(isLoopback(host), host).to.equal(false);
    }
  });
});
