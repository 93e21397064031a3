const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The longest bake a step may ask for: a week; longer is surely a typo. */
const MAX_MS = 7 * 86_400_000;

/**
 * Reads a duration as ops write one in a canary file: `0`, `500ms`, `30s`, `5m`, `1h`,
 * `1h30m`; a bare number is seconds. Undefined for anything else, negative or over a week.
 */
export function parseDuration(raw: unknown): number | undefined {
  if (typeof raw === 'number') {
    return Number.isFinite(raw) && raw >= 0 && raw * 1000 <= MAX_MS ? raw * 1000 : undefined;
  }
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/.test(text)) {
    return /^\d+(?:\.\d+)?$/.test(text) ? parseDuration(Number(text)) : undefined;
  }
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(amount) * (UNIT_MS[unit as string] as number);
  }
  return total <= MAX_MS ? Math.round(total) : undefined;
}

/** `300000` → `5m`; for messages and the rollout view. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  const parts: string[] = [];
  let left = Math.round(ms / 1000);
  for (const [unit, size] of [
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(left / size);
    if (n > 0) parts.push(`${n}${unit}`);
    left -= n * size;
  }
  return parts.join('') || `${ms}ms`;
}
