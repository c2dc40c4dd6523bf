import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';

/** A process that shuts down for 600 ms after its stop signal, then says so. */
function child(graceMs: number) {
  const code = `
    import { stopSignal } from './src/cli/stop-signal.ts';
    setInterval(() => {}, 1000); // stands for the servers that keep a real command running
    const stopped = stopSignal(${graceMs});
    // Ready once start-up is over (the loader may hold the signal while modules load).
    setTimeout(() => console.log('ready'), 300);
    await stopped;
    setTimeout(() => { console.log('done'); process.exit(0); }, 600);
  `;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const ready = new Promise<void>((resolve) =>
    proc.stdout.on('data', () => out.includes('ready') && resolve()),
  );
  return { proc, ready, output: () => out };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('stop signal', () => {
  it('finishes its shutdown when the same Ctrl-C arrives twice (terminal group and a relaying wrapper)', async () => {
    const { proc, ready, output } = child(3000);
    await ready;
    proc.kill('SIGINT');
    await sleep(30);
    proc.kill('SIGINT');
    const [code] = await once(proc, 'exit');
    assert.equal(code, 0);
    assert.match(output(), /done/);
  });

  it('exits at once on a later Ctrl-C, when a person insists', async () => {
    const { proc, ready, output } = child(100);
    await ready;
    proc.kill('SIGINT');
    await sleep(300);
    proc.kill('SIGINT');
    const [code] = await once(proc, 'exit');
    assert.equal(code, 130);
    assert.doesNotMatch(output(), /done/);
  });
});
