const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** "500ms", "30s", "5m", "1h", "28d", "2w" → milliseconds. */
export function parseDurationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!match)
    throw new RangeError(`invalid duration "${text}": expected a number and a unit (ms, s, m, h, d, w)`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/**
 * A point in time from the command line: "now", a duration ago ("24h", "-24h"), an ISO date,
 * or epoch milliseconds. Returns epoch microseconds.
 */
export function parseTimeUs(text: string, nowMs: number = Date.now()): number {
  const value = text.trim();
  if (value === 'now') return nowMs * 1000;
  if (/^-?\d+(?:\.\d+)?(ms|s|m|h|d|w)$/.test(value))
    return (nowMs - parseDurationMs(value.replace(/^-/, ''))) * 1000;
  if (/^\d{12,}$/.test(value)) return Number(value) * 1000;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed))
    throw new RangeError(`invalid time "${text}": use now, 24h (ago), an ISO date or epoch ms`);
  return parsed * 1000;
}

export function formatUs(us: number): string {
  return new Date(us / 1000).toISOString();
}

/** 1234 µs → "1.23 ms"; 2_500_000 µs → "2.50 s". */
export function formatDurationUs(us: number | null): string {
  if (us === null) return '—';
  if (us < 1000) return `${us} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(2)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}
