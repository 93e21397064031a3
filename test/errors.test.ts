import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { ErrorCodes } from '../server/src/errors.js';

describe('ErrorCodes', () => {
  it('lists every code the server sends, each documented in docs/api.md', async () => {
    const api = await readFile(new URL('../../docs/api.md', import.meta.url), 'utf8');
    const missing = Object.values(ErrorCodes).filter((code) => !api.includes(`| \`${code}\` |`));
    expect(missing, 'codes missing from the table in docs/api.md').to.deep.equal([]);
  });

  it('uses no code outside the table anywhere in server/src', async () => {
    const { execFile } = await import('node:child_process');
    const root = new URL('../../', import.meta.url).pathname;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        'git',
        ['grep', '-ohE', "'HC_[A-Z_]+'", '--', 'server/src'],
        { cwd: root },
        (e, so) => (e && !so ? reject(e) : resolve(so)),
      ),
    );
    const used = new Set(
      out
        .split('\n')
        .filter(Boolean)
        .map((s) => s.slice(1, -1)),
    );
    const known = new Set<string>(Object.values(ErrorCodes));
    expect([...used].filter((c) => !known.has(c))).to.deep.equal([]);
  });
});
