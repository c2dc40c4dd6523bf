import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { skipOutsideCi } from './ci.ts';

export const CLICKHOUSE_URL = process.env.KUBEBURNER_CLICKHOUSE_URL ?? 'http://127.0.0.1:18123';

async function ping(): Promise<boolean> {
  try {
    const response = await fetch(`${CLICKHOUSE_URL}/ping`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Makes sure a real ClickHouse server answers on CLICKHOUSE_URL, starting Debian's
 * clickhouse-server with scripts/clickhouse-server.sh when needed. Returns a reason to skip
 * when no server can be had outside CI; in CI a missing server is a failure.
 */
export async function ensureClickHouseServer(): Promise<string | null> {
  if (await ping()) return null;
  const server = ['/usr/bin/clickhouse-server', '/usr/sbin/clickhouse-server'].find((p) => existsSync(p));
  if (!server || process.env.KUBEBURNER_CLICKHOUSE_URL) {
    return skipOutsideCi(`no ClickHouse server at ${CLICKHOUSE_URL} (install Debian's clickhouse-server)`);
  }
  execFileSync('bash', ['scripts/clickhouse-server.sh', 'start'], { stdio: 'inherit' });
  if (!(await ping())) throw new Error(`clickhouse-server started but ${CLICKHOUSE_URL} does not answer`);
  return null;
}
