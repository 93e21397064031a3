import { expect } from 'chai';
import { parseConfigFile } from '../../server/src/config/parse-file.js';

describe('parseConfigFile', () => {
  it('refuses a key written twice in the same map, naming the line', () => {
    expect(parseConfigFile('orders.yml', 'db:\n  pool: 1\n  host: a\n  pool: 2\n')).to.deep.equal({
      ok: false,
      problem: {
        file: 'orders.yml',
        path: '',
        line: 4,
        message: 'orders.yml line 4: key "pool" appears twice in the same map',
      },
    });
  });

  it('allows the same key in different maps', () => {
    expect(parseConfigFile('orders.yml', 'a:\n  x: 1\nb:\n  x: 2\n')).to.deep.equal({
      ok: true,
      config: { a: { x: 1 }, b: { x: 2 } },
    });
  });

  it('treats an empty file as an empty document and refuses a top level that is not a map', () => {
    expect(parseConfigFile('orders.yml', '# nothing yet\n')).to.deep.equal({
      ok: true,
      config: {},
    });
    expect(parseConfigFile('orders.yml', '- a\n- b\n')).to.deep.include({ ok: false });
  });

  it('refuses alias bombs', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    const parsed = parseConfigFile('orders.yml', `${bomb.join('\n')}\n`);
    expect(parsed.ok).to.equal(false);
  });
});
