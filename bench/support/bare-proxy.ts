/**
 * bench:gateway's floor: the least a Node proxy does (node:http server, undici pool driven by
 * dispatch callbacks as the gateway drives it, body relayed as it arrives) with none of the
 * gateway's work. Its cost is what Node's HTTP stack costs here; the gateway's cost above it is
 * ours. Upstream URL in argv; prints its own URL.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const pool = new Pool(new URL(process.argv[2] as string).origin, { connections: 512 });
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    pool.dispatch(
      {
        path: req.url ?? '/',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
        body,
      },
      {
        onRequestStart() {}, // undici requires it of a dispatch handler
        onResponseStart(_controller, statusCode, headers) {
          res.writeHead(statusCode, ['content-type', String(headers['content-type'] ?? 'application/json')]);
        },
        onResponseData(controller, chunk: Buffer) {
          if (!res.write(chunk)) {
            controller.pause();
            res.once('drain', () => controller.resume());
          }
        },
        onResponseEnd() {
          res.end();
        },
        onResponseError() {
          if (!res.headersSent) res.writeHead(502);
          res.end();
        },
      },
    );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`),
);
