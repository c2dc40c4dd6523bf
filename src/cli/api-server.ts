import { serve, type ServerType } from '@hono/node-server';
import type { KubeBurnerConfig } from '../config/index.ts';
import type { Logger } from '../util/log.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Serves the API and UI, resolved once the port listens — a port already taken is an error that
 * ends the command, not a process running on without its API. Warns when the API is reachable
 * beyond this machine with no tokens.
 */
export async function listenApi(
  app: { fetch: Parameters<typeof serve>[0]['fetch'] },
  options: { config: KubeBurnerConfig; port: number; log: Logger },
): Promise<{ server: ServerType; url: string; close: () => Promise<void> }> {
  const { config, port, log } = options;
  const host = config.server.host;
  const server = serve({ fetch: app.fetch, port, hostname: host });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (err: Error) =>
      reject(new Error(`the API cannot listen on ${host}:${port}: ${err.message}`)),
    );
  });
  if (config.server.tokens.length === 0 && !LOOPBACK.has(host))
    log.warn(
      { host },
      'no API tokens configured: anyone who reaches this port reads every team’s data (kubeburner token create)',
    );
  return {
    server,
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
