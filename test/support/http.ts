import type { Server } from 'node:http';
import { serve } from '@hono/node-server';

/** Serves a Hono app on a free 127.0.0.1 port, for tests that talk real HTTP to it. */
export async function listen(app: {
  fetch: (request: Request) => Response | Promise<Response>;
}): Promise<{ base: string; close: () => Promise<void> }> {
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
  });
  return {
    base: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
