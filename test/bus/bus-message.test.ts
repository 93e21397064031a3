import { expect } from 'chai';
import {
  MAX_HEADS,
  parseBusMessage,
  sendableHeads,
  sendableRefs,
} from '../../server/src/bus/bus-message.js';
import { parseBusUrl } from '../../server/src/bus/bus-url.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const base = { v: 1, replica: 'r1', instance: 'abc-123', at: 1_700_000_000_000 };

describe('bus messages', () => {
  describe('#parseBusMessage', () => {
    it('accepts a change message and keeps only known fields', () => {
      const raw = JSON.stringify({
        ...base,
        type: 'change',
        refs: ['refs/heads/main'],
        extra: 'ignored',
      });
      expect(parseBusMessage(raw)).to.deep.equal({
        ok: true,
        message: { ...base, type: 'change', refs: ['refs/heads/main'] },
      });
    });

    it('accepts a heads message', () => {
      const raw = JSON.stringify({
        ...base,
        type: 'heads',
        heads: { HEAD: A, main: A, 'release/1.0': B },
      });
      expect(parseBusMessage(raw)).to.deep.equal({
        ok: true,
        message: { ...base, type: 'heads', heads: { HEAD: A, main: A, 'release/1.0': B } },
      });
    });

    const bad: [string, string | Buffer, string][] = [
      ['not JSON', '{nope', 'not JSON'],
      ['an array', '[1]', 'not a JSON object'],
      [
        'another version',
        JSON.stringify({ ...base, v: 2, type: 'change', refs: [] }),
        'unsupported version 2',
      ],
      [
        'no version',
        JSON.stringify({ replica: 'r1', type: 'change', refs: [] }),
        'unsupported version none',
      ],
      [
        'an unknown type',
        JSON.stringify({ ...base, type: 'reboot' }),
        'type must be "change" or "heads"',
      ],
      [
        'a replica id with a space',
        JSON.stringify({ ...base, replica: 'r 1', type: 'change', refs: [] }),
        'replica is missing or invalid',
      ],
      [
        'no instance',
        JSON.stringify({ ...base, instance: undefined, type: 'change', refs: [] }),
        'instance is missing or invalid',
      ],
      [
        'a string time',
        JSON.stringify({ ...base, at: 'now', type: 'change', refs: [] }),
        'at must be a time in ms',
      ],
      [
        'refs that are not refs',
        JSON.stringify({ ...base, type: 'change', refs: ['../../etc/passwd'] }),
        'refs must be branch or tag refs',
      ],
      [
        'refs as a string',
        JSON.stringify({ ...base, type: 'change', refs: 'refs/heads/main' }),
        'refs must be an array',
      ],
      [
        'too many refs',
        JSON.stringify({ ...base, type: 'change', refs: Array(101).fill('refs/heads/main') }),
        'refs may name at most 100 refs',
      ],
      [
        'a short commit id',
        JSON.stringify({ ...base, type: 'heads', heads: { main: 'abc' } }),
        'heads has an invalid commit id',
      ],
      [
        'a __proto__ label',
        `{"v":1,"replica":"r1","instance":"x","at":1,"type":"heads","heads":{"__proto__":"${A}"}}`,
        'heads has an invalid label',
      ],
      [
        'a message over 128 KiB',
        JSON.stringify({ ...base, type: 'change', refs: [], pad: 'x'.repeat(140_000) }),
        'larger than 131072 bytes',
      ],
    ];
    for (const [what, raw, reason] of bad) {
      it(`rejects ${what}`, () => {
        expect(parseBusMessage(raw)).to.deep.equal({ ok: false, reason });
      });
    }
  });

  describe('#sendableHeads', () => {
    it('puts HEAD first and caps the number of labels', () => {
      const labels = new Map<string, string>(
        Array.from({ length: MAX_HEADS + 50 }, (_, i) => [`t${i}`, A] as [string, string]),
      );
      labels.set('HEAD', B);
      const heads = sendableHeads(labels);
      expect(Object.keys(heads)).to.have.length(MAX_HEADS);
      expect(Object.entries(heads)[0]).to.deep.equal(['HEAD', B]);
    });
  });

  describe('#sendableRefs', () => {
    it('drops what a receiver would reject', () => {
      expect(
        sendableRefs(['refs/heads/main', 'main', 'refs/tags/v1', 'refs/remotes/x']),
      ).to.deep.equal(['refs/heads/main', 'refs/tags/v1']);
    });
  });
});

describe('parseBusUrl', () => {
  it('derives the channel from the database number', () => {
    expect(parseBusUrl('redis://redis:6379/3')).to.deep.equal({
      url: 'redis://redis:6379/3',
      redacted: 'redis://redis:6379/3',
      db: 3,
      channel: 'hotconf:v1:3:changes',
    });
    expect(parseBusUrl('rediss://redis.example.com').channel).to.equal('hotconf:v1:0:changes');
  });

  it('hides the password', () => {
    expect(parseBusUrl('redis://default:s3cr%40t@redis:6379/0?password=x').redacted).to.equal(
      'redis://default:***@redis:6379/0',
    );
  });

  const bad: [string, string][] = [
    ['not a url', 'HOTCONF_BUS_URL must be a URL like redis://host:6379/0'],
    ['http://redis:6379', 'HOTCONF_BUS_URL must start with redis:// or rediss://, got "http://"'],
    [
      'redis://redis:6379/zero',
      'HOTCONF_BUS_URL may name only a database number in its path, like redis://host:6379/0',
    ],
  ];
  for (const [url, message] of bad) {
    it(`rejects ${url}`, () => {
      expect(() => parseBusUrl(url)).to.throw(TypeError, message);
    });
  }

  it('never echoes a password in its errors', () => {
    expect(() => parseBusUrl('http://user:hunter2@redis:6379'))
      .to.throw(TypeError)
      .that.satisfies((e: Error) => !e.message.includes('hunter2'));
  });
});
