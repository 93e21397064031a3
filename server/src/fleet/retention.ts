const UNITS: Record<string, number> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `HOTCONF_FLEET_RETENTION` in ms: a number with an optional unit (`s`, `m`, `h`, `d`;
 * plain numbers are seconds), from 1 second to 365 days.
 * @throws TypeError naming the setting and the accepted forms.
 */
export function parseRetention(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(raw.trim());
  const ms = match ? Number(match[1]) * (UNITS[match[2] ?? ''] ?? 1000) : NaN;
  if (!(ms >= 1000 && ms <= 365 * UNITS.d!)) {
    throw new TypeError(
      `HOTCONF_FLEET_RETENTION must be a duration like 30m, 24h or 7d (1 s to 365 d), got "${raw.slice(0, 40)}"`,
    );
  }
  return ms;
}
