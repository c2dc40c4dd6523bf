/** A chart step for a range, about 60–100 buckets. */
export function stepFor(range: string): string {
  const table: Record<string, string> = {
    '15m': '30s',
    '1h': '1m',
    '6h': '5m',
    '24h': '15m',
    '7d': '2h',
    '30d': '6h',
  };
  return table[range] ?? '1h';
}
