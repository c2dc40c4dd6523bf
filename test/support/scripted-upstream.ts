import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** Resolves when the client (the gateway) went away before the response ended. */
  aborted: Promise<void>;
}

/**
 * An OpenAI-compatible HTTP server whose answers a test scripts (status, SSE events and their
 * timing, a dropped connection), for proxy behaviour a real engine cannot be made to show on cue.
 */
export class ScriptedUpstream {
  readonly seen: SeenRequest[] = [];
  handler: (req: SeenRequest, res: ServerResponse) => unknown = (_, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  };
  private server: Server | null = null;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let resolveAborted: () => void = () => undefined;
        const aborted = new Promise<void>((r) => (resolveAborted = r));
        res.on('close', () => {
          if (!res.writableFinished) resolveAborted();
        });
        const seen = {
          path: req.url ?? '',
          headers: req.headers,
          body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          aborted,
        };
        this.seen.push(seen);
        void this.handler(seen, res);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** SSE events as vLLM writes them for a chat stream of `words`, then usage (if asked) and [DONE]. */
export function chatStreamEvents(words: string[], withUsage: boolean): string[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const events = [chunk({ role: 'assistant', content: '' }), ...words.map((w) => chunk({ content: w }))];
  events.push(chunk({}, 'stop'));
  if (withUsage)
    events.push(
      `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 12, completion_tokens: words.length, total_tokens: 12 + words.length, prompt_tokens_details: { cached_tokens: 8 } } })}\n\n`,
    );
  events.push('data: [DONE]\n\n');
  return events;
}
