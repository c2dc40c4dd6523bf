/**
 * A minimal OpenAI-style upstream for bench:gateway, in its own process: non-streaming requests
 * get a small fixed JSON body; streaming ones get `chunks` SSE events `gap_ms` apart, each carrying
 * the wall time it was written (µs) so the client can measure per-chunk delay. Prints its URL.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;
const BODY = JSON.stringify({
  id: 'cmpl-1',
  object: 'chat.completion',
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
});

interface Stream {
  res: ServerResponse;
  left: number;
}
const streams = new Set<Stream>();
const gapMs = Number(process.argv[2] ?? 100);
// One timer writes the next event of every open stream, as an engine's step emits a token for every sequence.
setInterval(() => {
  for (const s of streams) {
    s.left--;
    s.res.write(`data: {"choices":[{"index":0,"delta":{"content":"x"}}],"t":${nowUs().toFixed(0)}}\n\n`);
    if (s.left === 0) {
      s.res.end(
        'data: {"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":1}}\n\ndata: [DONE]\n\n',
      );
      streams.delete(s);
    }
  }
}, gapMs).unref();

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/health') return void res.end('ok');
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
      stream?: boolean;
      chunks?: number;
    };
    if (!body.stream) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) });
      return void res.end(BODY);
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const stream = { res, left: body.chunks ?? 20 };
    streams.add(stream);
    res.on('close', () => streams.delete(stream));
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
