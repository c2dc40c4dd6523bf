/**
 * bench:gateway's floor: the least a Node proxy does (node:http server, undici pool, body piped
 * back) with none of the gateway's work. Its cost is what Node's HTTP stack costs here; the
 * gateway's cost above it is ours. Upstream URL in argv; prints its own URL.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const pool = new Pool(new URL(process.argv[2] as string).origin, { connections: 512 });
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    pool
      .request({
        path: req.url ?? '/',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
        body,
      })
      .then((r) => {
        res.writeHead(r.statusCode, {
          'content-type': String(r.headers['content-type'] ?? 'application/json'),
        });
        r.body.on('data', (c: Buffer) => res.write(c));
        r.body.on('end', () => res.end());
      })
      .catch(() => {
        res.writeHead(502);
        res.end();
      });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`),
);
