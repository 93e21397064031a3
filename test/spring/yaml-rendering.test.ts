import { expect } from 'chai';
import { parse } from 'yaml';
import { toYaml } from '../../server/src/http/render.js';
import { resolveText } from '../../server/src/config/placeholders.js';

// Issue 13 item 16: Spring reads `.yml` with SnakeYAML, a YAML 1.1 parser, where `no`,
// `on`, `y`, `1:20` (sexagesimal), `2024-01-01` (timestamp), `012` (octal) … are not text.
// Every such string must come out quoted, and read back the same under 1.1 and 1.2.
const RETYPED = [
  'no',
  'yes',
  'on',
  'off',
  'y',
  'n',
  'Y',
  'N',
  'NO',
  'On',
  'TRUE',
  'False',
  '1:20',
  '190:20:30',
  '2024-01-01',
  '2001-12-14t21:59:43.10-05:00',
  '0x1F',
  '012',
  '0o12',
  '0b101',
  '1_000',
  '+12',
  '1e3',
  '.5',
  '1.',
  '~',
  'null',
  'Null',
  '.inf',
  '-.Inf',
  '.NaN',
  '<<',
  '=',
  '',
];

describe('the .yml rendering', () => {
  it('reads back every retypable string as the same string under YAML 1.1 and 1.2', () => {
    const doc: Record<string, unknown> = {};
    RETYPED.forEach((v, i) => (doc[`k${i}`] = v));
    for (const key of ['no', 'on', 'y', '1:20']) doc[key] = `value of ${key}`;
    const text = toYaml(doc as never);
    expect(parse(text, { version: '1.1' })).to.deep.equal(doc);
    expect(parse(text)).to.deep.equal(doc);
  });

  it('keeps numbers, booleans and null typed', () => {
    const doc = { a: 1, b: 1.5, c: true, d: null, e: [false, 0] };
    expect(parse(toYaml(doc), { version: '1.1' })).to.deep.equal(doc);
  });
});

// Spring's PropertyPlaceholderHelper with ignoreUnresolvablePlaceholders (as Spring Cloud
// Config's renderings use it): defaults after ":", nesting, unknown keys left as written.
describe('placeholders in renderings', () => {
  const lookup = (k: string) => ({ 'a.b': 'x', host: 'db', ref: '${host}' })[k];

  it('resolves ${key}, ${key:default}, nested and chained placeholders', () => {
    expect(resolveText('${a.b}-${missing:fallback}-${missing:${host}}-${ref}', lookup)).to.equal(
      'x-fallback-db-db',
    );
  });

  it('leaves an unknown placeholder as written and \\${…} as a literal ${…}', () => {
    expect(resolveText('${nope} \\${a.b}', lookup)).to.equal('${nope} ${a.b}');
  });

  it('stops a placeholder cycle instead of looping', () => {
    const cyclic = (k: string) => ({ a: '${b}', b: '${a}' })[k];
    expect(resolveText('${a}', cyclic)).to.match(/^\$\{[ab]\}$/);
  });
});
