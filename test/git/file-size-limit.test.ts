import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { loadSettings } from '../../server/src/settings.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, sleep, startServer } from '../helpers/server.js';

describe('HOTCONF_MAX_FILE_BYTES', () => {
  describe('setting', () => {
    it('reads sizes as Spring does (binary units), from the environment and the flag', () => {
      expect(loadSettings({}).maxFileBytes).to.equal(5 * 1024 * 1024);
      expect(loadSettings({}).maxDocumentBytes).to.equal(10 * 1024 * 1024);
      expect(loadSettings({ HOTCONF_MAX_FILE_BYTES: '5MB' }).maxFileBytes).to.equal(5242880);
      expect(loadSettings({ HOTCONF_MAX_FILE_BYTES: '512kb' }).maxFileBytes).to.equal(524288);
      expect(loadSettings({ HOTCONF_MAX_FILE_BYTES: '1048576' }).maxFileBytes).to.equal(1048576);
      expect(loadSettings({}, { 'max-file-bytes': '1GB' }).maxFileBytes).to.equal(1024 ** 3);
      expect(loadSettings({ HOTCONF_MAX_DOCUMENT_BYTES: '20MB' }).maxDocumentBytes).to.equal(
        20 * 1024 * 1024,
      );
    });

    it('refuses a value that is not a size, naming the variable or flag', () => {
      expect(() => loadSettings({ HOTCONF_MAX_FILE_BYTES: 'lots' })).to.throw(
        TypeError,
        'HOTCONF_MAX_FILE_BYTES must be a size such as 5MB, 512KB or 1048576, got "lots"',
      );
      expect(() => loadSettings({}, { 'max-document-bytes': '0' })).to.throw(
        TypeError,
        '--max-document-bytes must be a size such as 5MB, 512KB or 1048576, got "0"',
      );
    });
  });

  describe('a config file over the limit', () => {
    let repo: GitFixture;
    let server: HotconfServer | undefined;

    beforeEach(async () => {
      repo = await GitFixture.create({ 'orders.yml': 'v: 1\n', 'billing.yml': 'v: 1\n' });
    });

    afterEach(async () => {
      await server?.close();
      server = undefined;
      await repo.remove();
    });

    it('is a rejection naming the file, and a 50 MB file delays no other change', async function () {
      this.timeout(120_000);
      server = await startServer({ repo: repo.dir });
      const url = server.url;
      const line = 'key: 0123456789abcdef0123456789abcdef0123456789abcdef\n';
      const big = line.repeat(Math.ceil((50 * 1024 * 1024) / line.length));

      // /health is asked every 20 ms throughout; the slowest answer is kept.
      let slowestHealth = 0;
      let watching = true;
      const healthWatch = (async () => {
        while (watching) {
          const started = performance.now();
          expect((await request(`${url}/health`)).status).to.equal(200);
          slowestHealth = Math.max(slowestHealth, performance.now() - started);
          await sleep(20);
        }
      })();

      const bigCommit = await repo.commit({ 'orders.yml': big }, 'a 50 MB file');
      const committed = performance.now();
      const next = await repo.commit({ 'billing.yml': 'v: 2\n' }, 'unrelated change');
      let delay = Number.POSITIVE_INFINITY;
      for (const deadline = committed + 30_000; performance.now() < deadline; await sleep(10)) {
        const billing = (await request(`${url}/v1/config/billing/default`)).json;
        if (billing.version === next) {
          delay = performance.now() - committed;
          break;
        }
      }
      watching = false;
      await healthWatch;
      // Before the limit and linear reads: 87 s, and /health blocked for 33 s.
      expect(delay).to.be.below(2500);
      expect(slowestHealth).to.be.below(1000);

      // orders keeps its last valid version; the rejection names the file and the limit.
      const orders = (await request(`${url}/v1/config/orders/default`)).json;
      expect(orders.config).to.deep.equal({ v: 1 });
      const status = (await request(`${url}/v1/status`)).json;
      const rejection = status.documents.find(
        (d: { service: string }) => d.service === 'orders',
      ).rejection;
      // Both commits may be seen in one pass: the rejection is at one or the other.
      expect([bigCommit, next]).to.include(rejection.commit);
      const tooBig = {
        file: 'orders.yml',
        path: '',
        message:
          'orders.yml is 50 MB, over the 5 MB limit for a config file (HOTCONF_MAX_FILE_BYTES)',
      };
      expect(rejection.problems).to.deep.equal([tooBig]);

      // Many profiles asking for it cost one read of its header, not 50 MB each.
      const started = performance.now();
      for (let i = 0; i < 40; i++) {
        const reply = await request(`${url}/v1/config/orders/p${i}`);
        expect(reply.status).to.equal(503);
        expect(reply.json.error.details).to.deep.equal([tooBig]);
      }
      const perRequest = (performance.now() - started) / 40;
      if (process.env.HOTCONF_TEST_VERBOSE) console.log({ delay, slowestHealth, perRequest });
      expect(perRequest).to.be.below(100);
    });
  });
});
