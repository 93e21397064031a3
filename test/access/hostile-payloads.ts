/** Path traversal, plain, encoded, double encoded, backslashed, overlong UTF-8. */
export const TRAVERSAL = [
  '..',
  '../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%2e%2e',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '%252e%252e%252fetc%252fpasswd',
  '..%5c..%5cwindows%5cwin.ini',
  '..%255c..%255cetc',
  '....%2f%2f....%2f%2fetc%2fpasswd',
  '%c0%ae%c0%ae%c0%afetc',
  '.%2e%2fpasswd',
  '%2fetc%2fpasswd',
  '.git%2fconfig',
  '..;%2fpasswd',
];

/** Things git would take as options or revision syntax, and shell metacharacters. */
export const INJECTION = [
  '--upload-pack=touch /tmp/PWNED',
  '--output=/tmp/PWNED',
  '-c core.sshCommand=touch /tmp/PWNED',
  '--exec=touch /tmp/PWNED',
  '--git-dir=/etc',
  '-upload-pack',
  'main --upload-pack=PWNED',
  'main@{-1}',
  'main^{tree}',
  ':/PWNED',
  '$(touch /tmp/PWNED)',
  '`touch /tmp/PWNED`',
  ';touch /tmp/PWNED',
  '|touch /tmp/PWNED',
];

/** NUL, CR/LF (header injection), escapes, DEL, bad UTF-8, bad percent-encoding. */
export const CONTROL = [
  '%00',
  'orders%00',
  'orders%0d%0aX-Injected:%201',
  '%1b%5b31m',
  '%7f',
  'orders%09dev',
  '%ff%fe',
  '%',
  '%zz',
  'ord%0aers',
];

export const LONG = 'a'.repeat(10_000);

export const enc = (s: string) => encodeURIComponent(s);
export const dec = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** Each payload in every position of every read route, as already-encoded path pieces. */
export function readTargets(pieces: string[]): string[] {
  const out: string[] = [];
  for (const p of pieces) {
    out.push(
      `/v1/config/${p}/dev`,
      `/v1/config/orders/${p}`,
      `/v1/config/orders/dev?label=${p}`,
      `/${p}/dev`,
      `/orders/${p}`,
      `/orders/dev/${p}`,
      `/${p}-dev.yml`,
      `/${p}/orders-dev.yml`,
      `/v1/history/${p}/dev`,
      `/v1/history/orders/dev?label=${p}`,
      `/v1/services?label=${p}`,
    );
  }
  return out;
}

/** Bodies for every POST route: oversized, deeply nested, prototype pollution, hostile refs. */
export function hostileBodies(): [string, string][] {
  const deepArray = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  const deepObject = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
  return [
    ['2 MiB string', JSON.stringify({ value: 'x'.repeat(2 << 20) })],
    ['deep array', deepArray],
    ['deep object', deepObject],
    ['deep value', `{"value":${deepArray}}`],
    [
      'proto pollution',
      '{"__proto__":{"admin":true},"value":"x","constructor":{"prototype":{"admin":true}}}',
    ],
    ['not JSON', '{"value": "x"'],
    ['NUL in JSON', '{"value":"a\u0000b","ref":"refs/heads/--upload-pack=touch /tmp/PWNED"}'],
    [
      'hostile refs',
      JSON.stringify({
        ref: 'refs/heads/--upload-pack=touch /tmp/PWNED',
        repository: { full_name: '../../etc/passwd' },
      }),
    ],
    [
      'many keys',
      JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i]))),
    ],
  ];
}

/** Authorization headers that must all be 401; `token` is a valid one, wrapped wrongly. */
export function malformedAuthorizations(token: string): string[] {
  const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
  return [
    'Basic',
    'Basic ',
    'Basic ====',
    'Basic !!!!',
    `Basic ${b64('no-colon')}`,
    `Basic ${b64(':')}`,
    `Basic ${b64('user:')}`,
    `Basic ${b64(`${token}:`)}`,
    `Basic ${b64(`user:${token}\n`)}`,
    `Basic ${b64(`user:${token}`)}garbage!`,
    `Basic ${b64(`user:${token}`)} extra`,
    `Basic ${'A'.repeat(8000)}`,
    'Bearer',
    'Bearer ',
    `Bearer ${token} ${token}`,
    `Bearer${token}`,
    `Token ${token}`,
    `Digest username="x", response="${token}"`,
    `${'Basic '.repeat(500)}`,
    `Bearer ${'x'.repeat(5000)}`,
    `Basic ${b64('user:../../etc/passwd')}`,
    `Basic ${b64('--upload-pack=touch /tmp/PWNED:--upload-pack=touch /tmp/PWNED')}`,
  ];
}
