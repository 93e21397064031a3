import { expect } from 'chai';
import type { HotconfServer } from '../../server/src/create-server.js';
import { encryptValue, parseKey } from '../../server/src/secrets/cipher-value.js';
import { GitFixture } from '../helpers/git-fixture.js';
import { request, settle, startServer } from '../helpers/server.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const SECRET = 'S3cr3t-p@ss!';

/** billing's schema with `password` constrained by `keywords`. */
function schema(keywords: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: 'object',
    properties: {
      db: { type: 'object', properties: { password: { type: 'string', ...keywords } } },
    },
    ...extra,
  });
}

describe('schema gate and decrypted secrets (DESIGN §7: not an oracle)', () => {
  let repo: GitFixture;
  let server: HotconfServer;

  beforeEach(async () => {
    repo = await GitFixture.create({
      'billing.yml': `db:\n  password: '${encryptValue(parseKey(KEY), SECRET)}'\n`,
      'schemas/billing.schema.json': schema({}),
    });
    server = await startServer({ repo: repo.dir, encryptKey: KEY });
  });
  afterEach(async () => {
    await server?.close();
    await repo?.remove();
  });

  const rejections = async () => {
    const text = (await request(`${server.url}/metrics`)).text;
    const line = text
      .split('\n')
      .find((l) => l.startsWith('hotconf_rejections_total{') && l.includes('service="billing"'));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  };
  const state = async () => {
    const st = (await request(`${server.url}/v1/status`)).json;
    return st.documents.find(
      (d: any) => d.service === 'billing' && d.profiles.join() === 'default',
    );
  };

  it('gives the same verdict for a right and a wrong guess of the secret, whatever the keyword', async () => {
    const guesses: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ['pattern', { pattern: '^S' }, { pattern: '^a' }],
      ['enum', { enum: [SECRET] }, { enum: ['wrong'] }],
      ['const', { const: SECRET }, { const: 'wrong' }],
      ['maxLength', { maxLength: SECRET.length }, { maxLength: SECRET.length - 1 }],
      ['minLength', { minLength: SECRET.length }, { minLength: SECRET.length + 1 }],
      ['format', { format: 'email' }, { format: 'uri' }],
    ];
    for (const [name, right, wrong] of guesses) {
      for (const keywords of [right, wrong]) {
        const before = await rejections();
        const commit = await repo.commit(
          { 'schemas/billing.schema.json': schema(keywords) },
          `guess ${name}`,
        );
        await settle(server);
        const doc = await state();
        expect(doc.rejection, `${name} ${JSON.stringify(keywords)}`).to.equal(undefined);
        expect(doc.version, name).to.equal(commit);
        expect(await rejections(), name).to.equal(before);
      }
    }
    const served = (await request(`${server.url}/v1/config/billing/default`)).json;
    expect(served.config).to.deep.equal({ db: { password: SECRET } });
  });

  it('shows a conditional (if/then) the same placeholder for every secret', async () => {
    for (const guess of ['^S', '^a']) {
      const commit = await repo.commit(
        {
          'schemas/billing.schema.json': schema(
            {},
            {
              if: { properties: { db: { properties: { password: { pattern: guess } } } } },
              then: { required: ['never-there'] },
            },
          ),
        },
        `guess ${guess} through if/then`,
      );
      await settle(server);
      const doc = await state();
      expect(doc.rejection, guess).to.equal(undefined);
      expect(doc.version).to.equal(commit);
    }
  });

  it('gives each secret its own placeholder: uniqueItems over a list of secrets passes', async () => {
    const key = parseKey(KEY);
    const commit = await repo.commit(
      {
        'billing.yml': `keys:\n  - '${encryptValue(key, 'one')}'\n  - '${encryptValue(key, 'two')}'\n`,
        'schemas/billing.schema.json': JSON.stringify({
          type: 'object',
          properties: { keys: { type: 'array', uniqueItems: true, items: { type: 'string' } } },
        }),
      },
      'two keys',
    );
    await settle(server);
    const doc = await state();
    expect([doc.rejection, doc.version]).to.deep.equal([undefined, commit]);
    const served = (await request(`${server.url}/v1/config/billing/default`)).json;
    expect(served.config).to.deep.equal({ keys: ['one', 'two'] });
  });

  it('still checks the type of a secret, without the secret in the message', async () => {
    const commit = await repo.commit(
      {
        'schemas/billing.schema.json': JSON.stringify({
          type: 'object',
          properties: { db: { properties: { password: { type: 'integer' } } } },
        }),
      },
      'password must be a number',
    );
    await settle(server);
    const doc = await state();
    expect(doc.rejection.commit).to.equal(commit);
    expect(doc.rejection.problems.map((p: any) => p.message)).to.deep.equal([
      '`db.password` must be integer — billing.yml line 2',
    ]);
    expect(JSON.stringify(doc)).not.to.include(SECRET);
  });
});
