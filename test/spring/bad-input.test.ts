import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { runHotconf } from '../helpers/cli.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, startServer } from '../helpers/server.js';

// Issue 14 "bad input" and issue 13 items 8, 9, 14, 15, 17: each is a rejection naming the
// file and the line, in hotconf's words, and never a crash or a stalled server.
const BAD: Record<string, { file: string; text: string; message: string }> = {
  unterminated: {
    file: 'u1.properties',
    text: 'a=1\nb=\\u12\n',
    message:
      'u1.properties line 2: "\\u12" is not a \\uXXXX escape: write four hex digits, or "\\\\u" for a literal backslash-u',
  },
  dangling: {
    file: 'e1.yml',
    text: 'a: 1\n---\nspring.config.activate.on-profile: "dev &"\nb: 2\n',
    message:
      'e1.yml line 3: profile expression "dev &" ends where a profile name is expected (in spring.config.activate.on-profile)',
  },
  unclosed: {
    file: 'e2.properties',
    text: 'a=1\n#---\nspring.config.activate.on-profile=(dev\n',
    message:
      'e2.properties line 3: profile expression "(dev" has a "(" without its ")" (in spring.config.activate.on-profile)',
  },
  bang: {
    file: 'e3.yml',
    text: 'spring:\n  profiles: "!"\n',
    message:
      'e3.yml line 1: profile expression "!" ends where a profile name is expected (in spring.config.activate.on-profile)',
  },
  protoYaml: {
    file: 'p1.yml',
    text: 'a: 1\n__proto__:\n  polluted: true\n',
    message: 'p1.yml line 2: key "__proto__" uses "__proto__", which is not allowed',
  },
  protoProperties: {
    file: 'p2.properties',
    text: 'a=1\nx.__proto__.polluted=true\n',
    message:
      'p2.properties line 2: key "x.__proto__.polluted" uses "__proto__", which is not allowed',
  },
  manyDocuments: {
    file: 'm1.yml',
    text: Array.from({ length: 10_000 }, (_, i) => `k${i}: ${i}`).join('\n---\n'),
    message:
      'm1.yml line 2000: has 10000 documents; at most 1000 are allowed in one file: split it',
  },
};

describe('bad Spring-style files', () => {
  let repo: GitFixture;
  let server: HotconfServer;

  before(async () => {
    const files: Record<string, string> = { 'application.yml': 'shared: 1\n' };
    for (const bad of Object.values(BAD)) files[bad.file] = bad.text;
    // 20 MB of .properties: over the document size limit, refused without a stall.
    files['big.properties'] = 'some.key.with.a.long.name=and a value that is long too\n'.repeat(
      380_000,
    );
    files['ok.properties'] = 'fine=yes\n';
    repo = await GitFixture.create(files);
    server = await startServer({ repo: repo.dir });
  });

  after(async () => {
    // A failed `before` leaves them unset: still end what did start, so mocha can exit.
    await server?.close();
    await repo?.remove();
  });

  for (const [name, bad] of Object.entries(BAD)) {
    it(`answers 503 naming file and line for ${name} (${bad.file})`, async () => {
      const service = bad.file.replace(/\.\w+$/, '');
      const reply = await request(`${server.url}/v1/config/${service}/default`);
      expect(reply.status).to.equal(503);
      expect(reply.json.error.code).to.equal('HC_DOCUMENT_INVALID');
      expect(reply.json.error.details.map((d: { message: string }) => d.message)).to.deep.equal([
        bad.message,
      ]);
    });
  }

  it('refuses a 20 MB .properties file, and keeps serving everything else', async () => {
    const reply = await request(`${server.url}/v1/config/big/default`);
    expect(reply.status).to.equal(503);
    expect(reply.json.error.details[0].file).to.equal('big.properties');
    // The git layer refuses it by HOTCONF_MAX_FILE_BYTES (5 MB) before it is read; the
    // parser's own HOTCONF_MAX_DOCUMENT_BYTES check is in test/config/parse-file.test.ts.
    expect(reply.json.error.details[0].message).to.match(
      /^big\.properties is [\d.]+ MB, over the 5 MB limit for a config file \(HOTCONF_MAX_FILE_BYTES\)$/,
    );
    const ok = await request(`${server.url}/v1/config/ok/default`);
    expect(ok.status).to.equal(200);
    expect(ok.json.config).to.deep.equal({ fine: 'yes', shared: 1 });
    expect((await request(`${server.url}/health`)).status).to.equal(200);
  });

  it("lists every problem, with its line, in /v1/status and never a library's advice", async () => {
    const status = await request(`${server.url}/v1/status`);
    const text = JSON.stringify(status.json);
    for (const bad of Object.values(BAD))
      expect(text).to.include(JSON.stringify(bad.message).slice(1, -1));
    expect(text).to.not.match(/please use|parseAllDocuments|YAMLParseError/i);
  });

  it('hotconf validate reports the same problems offline, .properties lines included', async () => {
    const result = await runHotconf(['validate', repo.dir]);
    expect(result.code).to.equal(1);
    for (const bad of Object.values(BAD)) expect(result.stdout).to.include(bad.message);
  });
});
