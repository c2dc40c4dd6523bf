import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { loadConfig } from '../src/config/index.ts';
import { makeRequest } from '../src/model/request.ts';
import { openStore } from '../src/store/open.ts';
import { focusViolations } from './support/focus-rules.ts';

const run = promisify(execFile);

describe('kubeburner chargeback', () => {
  it('prints a month of cost by team as a table and as CSV, and names a bad dimension', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-chargeback-cli-'));
    const configFile = join(dir, 'kubeburner.yaml');
    writeFileSync(configFile, `data_dir: ${dir}\nlog: { level: warn }\n`);
    const store = await openStore(loadConfig(configFile));
    const nov = (day: number) => Date.UTC(2026, 10, day) * 1000;
    await store.writeBatch({
      requests: [
        makeRequest({ requestId: 'a', arrivalUs: nov(3), team: 'ads', costUsd: 1.25, promptTokens: 1000 }),
        makeRequest({ requestId: 'b', arrivalUs: nov(4), team: 'ads', costUsd: 0.75, promptTokens: 1000 }),
        makeRequest({ requestId: 'c', arrivalUs: nov(5), team: 'search', costUsd: 3 }),
        makeRequest({ requestId: 'd', arrivalUs: Date.UTC(2026, 11, 1) * 1000, team: 'search', costUsd: 99 }),
      ],
      spans: [],
    });
    // $1 of idle GPU time on the replica those requests ran on (cluster default, model unknown).
    await store.writeMetricSamples([
      {
        timeMs: nov(3) / 1000,
        name: 'llm.gpu.idle_cost',
        value: 1,
        cluster: 'default',
        model: 'unknown',
        replica: 'r',
        engine: 'vllm',
        labels: {},
      },
    ]);
    await store.close();
    const cli = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '-c', configFile, 'chargeback', ...args]);

    const table = await cli('--period', '2026-11', '--by', 'team');
    assert.match(table.stdout, /ads .*\$2\.00/);
    assert.match(table.stdout, /total \$5\.00 for 3 requests/, 'December is outside the period');
    assert.match(table.stdout, /idle GPU \$1\.00 \(not in team costs\)/);

    const allocated = await cli('--period', '2026-11', '--by', 'team', '--basis', 'allocation');
    // ads used $2 of $5 → $0.40 of the idle dollar; search $0.60.
    assert.match(allocated.stdout, /ads .*\$2\.00 .*\$0\.4000 .*\$2\.40/);
    assert.match(allocated.stdout, /idle GPU \$1\.00 of which \$1\.00 shared into team costs/);

    const csv = parse((await cli('--period', '2026-11', '--by', 'team', '--csv')).stdout, {
      columns: true,
    }) as Record<string, string>[];
    assert.deepEqual(
      csv.map((r) => [r.x_Team, r.BilledCost, r.ChargePeriodStart, r.ChargePeriodEnd]),
      [
        ['ads', '2.000000', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z'],
        ['search', '3.000000', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z'],
        ['(idle)', '1.000000', '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z'],
      ],
    );

    // FOCUS, with the account named in the config.
    writeFileSync(
      configFile,
      `data_dir: ${dir}\nlog: { level: warn }\npricing: { focus: { billing_account_id: ml-platform-42 } }\n`,
    );
    const focusOut = (await cli('--period', '2026-11', '--by', 'team', '--format', 'focus')).stdout;
    const focus = parse(focusOut, { columns: true }) as Record<string, string>[];
    const header = (parse(focusOut, { to_line: 1 }) as string[][])[0]!;
    assert.deepEqual(focusViolations(header, focus), []);
    assert.deepEqual(
      focus.map((r) => [r.x_Team, r.BilledCost, r.PricingUnit, r.BillingAccountId]),
      [
        ['ads', '2.000000', 'Tokens', 'ml-platform-42'],
        ['search', '3.000000', 'Tokens', 'ml-platform-42'],
        ['(idle)', '1.000000', 'GPU-Hours', 'ml-platform-42'],
      ],
    );
    await assert.rejects(cli('--format', 'xlsx'), (err: { stderr: string }) =>
      /--format must be table, csv, focus, json/.test(err.stderr),
    );

    const bad = await cli('--by', 'colour').then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    assert.ok(bad, 'an unknown dimension must fail');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unknown dimension "colour"/);
    await assert.rejects(cli('--basis', 'fair'), (err: { stderr: string }) =>
      /--basis must be usage or allocation/.test(err.stderr),
    );
  });
});
