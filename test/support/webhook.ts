import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface ReceivedPost {
  path: string;
  body: unknown;
  atMs: number;
}

/**
 * A local HTTP receiver standing in for Slack / Alertmanager / a webhook: records every POST and
 * answers with what `respond` says (200 by default).
 */
export class TestWebhook {
  readonly received: ReceivedPost[] = [];
  respond: (
    post: ReceivedPost,
    count: number,
  ) => { status: number; headers?: Record<string, string>; hangMs?: number } = () => ({
    status: 200,
  });
  private server: Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const post = {
          path: req.url ?? '/',
          body: text ? (JSON.parse(text) as unknown) : null,
          atMs: Date.now(),
        };
        this.received.push(post);
        const answer = this.respond(post, this.received.length);
        const send = () => {
          res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
          res.end(answer.status < 300 ? 'ok' : 'no');
        };
        if (answer.hangMs) setTimeout(send, answer.hangMs).unref();
        else send();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  /** Resolves once `count` posts arrived (or rejects after timeoutMs). */
  async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedPost[]> {
    const until = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > until) throw new Error(`expected ${count} posts, got ${this.received.length}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.received;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
