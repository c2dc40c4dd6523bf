/** Display formats: latency from µs, money, ratios and times. */

export function ms(us: number | null | undefined): string {
  if (us === null || us === undefined || !Number.isFinite(us)) return '—';
  if (us >= 10e6) return `${(us / 1e6).toFixed(1)} s`;
  if (us >= 1e6) return `${(us / 1e6).toFixed(2)} s`;
  if (us >= 10e3) return `${Math.round(us / 1e3)} ms`;
  return `${(us / 1e3).toFixed(1)} ms`;
}

export function usd(value: number | null | undefined, digits?: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const d =
    digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 1 ? 2 : Math.abs(value) >= 0.01 ? 4 : 6);
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d })}`;
}

/** Money on a chart axis: about three significant digits, no trailing zeros ($0.0125, $0.02, $3). */
export function usdTick(value: number): string {
  if (!Number.isFinite(value) || value === 0) return '$0';
  const digits = Math.min(8, Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value)))));
  return `$${value.toLocaleString('en-US', { maximumFractionDigits: digits })}`;
}

export function pct(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${(value * 100).toFixed(digits)} %`;
}

export function num(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function time(us: number | null | undefined): string {
  if (us === null || us === undefined) return '—';
  return new Date(us / 1000).toLocaleTimeString('en-GB', { hour12: false });
}

export function dateTime(us: number | null | undefined): string {
  if (us === null || us === undefined) return '—';
  const d = new Date(us / 1000);
  return `${d.toISOString().slice(0, 10)} ${d.toLocaleTimeString('en-GB', { hour12: false })}`;
}
