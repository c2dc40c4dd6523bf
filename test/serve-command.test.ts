import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { hashApiKey } from '../src/gateway/tenants.ts';
import { freePort } from './support/net.ts';

describe('kubeburner serve', () => {
  it('serves the UI and the token-protected API over the configured store', async () => {
    assert.ok(existsSync('dist/web/index.html'), 'the UI is built (npm test builds it first)');
    const dir = mkdtempSync(join(tmpdir(), 'kb-serve-'));
    const config = join(dir, 'kubeburner.yaml');
    writeFileSync(
      config,
      `data_dir: ${dir}\nlog: { level: warn }\nserver:\n  tokens:\n    - { name: ops, token_sha256: ${hashApiKey('t0ken')} }\n`,
    );
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', '--config', config, 'serve', '--port', String(port)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      for await (const line of createInterface({ input: child.stdout }))
        if (line.includes('UI and API on')) break;
      const base = `http://127.0.0.1:${port}`;
      const page = await fetch(`${base}/slos/search-ttft`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<div id="root">/);
      assert.equal((await fetch(`${base}/api/overview`)).status, 401);
      const overview = await fetch(`${base}/api/overview`, { headers: { authorization: 'Bearer t0ken' } });
      assert.equal(overview.status, 200);
      assert.equal(((await overview.json()) as { traffic: { requests: number } }).traffic.requests, 0);
      assert.equal((await fetch(`${base}/api/openapi.json`)).status, 200);
      // The CLI cannot open the store this process holds: it says so and where to read instead.
      const cli = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', '--config', config, 'store', 'stats'],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(cli.status, 1);
      assert.match(cli.stderr, new RegExp(`open in another process \\(PID ${child.pid}\\)`));
      assert.match(
        cli.stderr,
        /Read it through that process's API instead, e\.g\. curl 'http:\/\/127\.0\.0\.1:\d+\/api\/requests/,
      );
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exit, 0);
  });

  it('ends with an error naming the port when the port is taken, instead of running on without its API', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-serve-'));
    const config = join(dir, 'kubeburner.yaml');
    writeFileSync(config, `data_dir: ${dir}\nlog: { level: warn }\n`);
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const cli = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/cli/main.ts', '--config', config, 'serve', '--port', String(port)],
        { encoding: 'utf8', timeout: 60_000 },
      );
      assert.equal(cli.status, 1);
      assert.match(cli.stderr, new RegExp(`the API cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
    } finally {
      taken.close();
    }
  });
});
