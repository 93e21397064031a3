import type { FlatValue } from './types';

/**
 * Characters that change how text around them reads without being seen: bidi controls
 * (an RTL override can make `gpj.exe` read `exe.jpg`) and zero-width characters.
 */
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]/g;

/**
 * Shows text from the repository (values, keys, file names, commit messages) as text:
 * Preact sets it as a text node, never as HTML; invisible characters are shown as their
 * code point; `<bdi>` keeps right-to-left text from reordering what is around it.
 */
export function Text({ value }: { value: string }) {
  const parts: (string | preact.JSX.Element)[] = [];
  let last = 0;
  for (const match of value.matchAll(INVISIBLE)) {
    const at = match.index ?? 0;
    if (at > last) parts.push(value.slice(last, at));
    const code = (match[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    parts.push(
      <abbr class="invisible" title={`invisible character U+${code}`}>
        U+{code}
      </abbr>,
    );
    last = at + match[0].length;
  }
  if (last < value.length) parts.push(value.slice(last));
  return <bdi>{parts}</bdi>;
}

/** A config value as a person reads it: strings quoted only when empty, others as JSON. */
export function Value({ value, masked }: { value: FlatValue; masked?: boolean }) {
  if (masked)
    return (
      <span class="masked" title="secret: masked by the server">
        ******
      </span>
    );
  if (typeof value === 'string')
    return value === '' ? <span class="muted">(empty)</span> : <Text value={value} />;
  return <code>{String(value)}</code>;
}

/** The first 7 characters of a commit id, the full id in a tooltip. */
export function Short({ id }: { id: string | null | undefined }) {
  if (!id) return <span class="muted">none</span>;
  return (
    <code title={id} class="commit">
      {id.slice(0, 7)}
    </code>
  );
}

/** A time as `2026-11-29 21:04 UTC`, the exact ISO time in the markup. */
export function When({ time }: { time: string | null | undefined }) {
  if (!time) return <span class="muted">unknown</span>;
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) return <Text value={time} />;
  const text = `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return <time dateTime={d.toISOString()}>{text}</time>;
}

/** `orders (dev,eu)` */
export function docName(service: string, profiles: readonly string[]): string {
  return `${service} (${profiles.join(',')})`;
}
