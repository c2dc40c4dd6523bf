import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config/index.ts';
import { makeRequest } from '../src/model/request.ts';
import { openStore } from '../src/store/open.ts';

const run = promisify(execFile);

describe('kubeburner slo status', () => {
  it('shows SLI, budget, burn per window and per-band counts, and names an unknown SLO', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-slo-cli-'));
    const configFile = join(dir, 'kubeburner.yaml');
    writeFileSync(
      configFile,
      `data_dir: ${dir}
log: { level: warn }
slos:
  - name: chat-ttft
    objective: 0.9
    window: 1d
    ttft: { bands: [{ max_prompt_tokens: 1000, threshold: 500ms }, { threshold: 2s }] }
`,
    );
    const at = Date.UTC(2026, 10, 25, 12) * 1000;
    const store = await openStore(loadConfig(configFile));
    // 20 requests in the last 10 minutes: 4 short prompts too slow (bad), the rest good.
    await store.writeBatch({
      requests: Array.from({ length: 20 }, (_, i) => {
        const arrivalUs = at - 10 * 60e6 + i * 30e6;
        return makeRequest({
          requestId: `r${i}`,
          arrivalUs,
          finishedUs: arrivalUs + 3e6,
          promptTokens: i % 2 === 0 ? 200 : 4000,
          ttftUs: i % 2 === 0 && i < 8 ? 900_000 : 300_000,
          status: 'ok',
        });
      }),
      spans: [],
    });
    await store.close();
    const cli = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--config', configFile]);
    const { stdout } = await cli('slo', 'status', '--at', String(at / 1000), '--json');
    const [status] = JSON.parse(stdout) as {
      sli: number;
      budgetRemaining: number;
      bands: { band: string; good: number; total: number }[];
      alerts: { alert: string; long: { burnRate: number }; state: string }[];
    }[];
    assert.equal(status?.sli, 16 / 20);
    // 20 % bad against a 10 % budget: twice over.
    assert.ok(Math.abs((status?.budgetRemaining ?? 0) - -1) < 1e-9);
    assert.deepEqual(
      status?.bands.map((b) => [b.band, b.good, b.total]),
      [
        ['0-1000', 6, 10],
        ['1001+', 10, 10],
      ],
    );
    assert.ok(status?.alerts.every((a) => Math.abs(a.long.burnRate - 2) < 1e-9));
    const table = await cli('slo', 'status', '--at', String(at / 1000));
    assert.match(table.stdout, /chat-ttft\s*│\s*90\.00 %\s*│\s*1d\s*│\s*80\.00 %\s*│\s*-100\.00 %/);
    await assert.rejects(cli('slo', 'status', 'nope'), /no SLO named "nope"; configured: chat-ttft/);
  });
});
