import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { RecommendationBook } from '../src/analyze/recommend/decisions.ts';
import { FileTarget } from '../src/analyze/recommend/file-target.ts';
import { loadConfig } from '../src/config/index.ts';
import { openStore } from '../src/store/open.ts';
import { LLAMA_70B_MANIFEST as MANIFEST } from './support/manifests.ts';

const run = promisify(execFile);

describe('kubeburner recommend', () => {
  it('lists, shows the diff, applies and rolls back only with --as, from the command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-recommend-cli-'));
    mkdirSync(join(dir, 'manifests'));
    writeFileSync(join(dir, 'manifests', 'llama-3-70b.yaml'), MANIFEST);
    const configFile = join(dir, 'kubeburner.yaml');
    writeFileSync(
      configFile,
      `data_dir: ${dir}\nlog: { level: warn }\nrecommendations: { manifests_dir: manifests }\n`,
    );
    const config = loadConfig(configFile);
    const store = await openStore(config);
    await new RecommendationBook(store, new FileTarget(join(dir, 'manifests'))).propose([
      {
        id: 'rec-0123456789ab',
        title: 'Scale llama-3-70b from 2 to 3 replicas',
        cause: 'queue_saturation',
        evidence: [{ metric: 'arrival rate', unit: 'req/s', before: 5, after: 9, ratio: 1.8 }],
        change: { kind: 'set_replicas', workload: 'llama-3-70b', replicas: 3 },
        expectedEffect: 'load per replica back near the baseline',
        createdAtUs: Date.now() * 1000,
      },
    ]);
    await store.close();
    const cli = (...args: string[]) =>
      run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '-c', configFile, 'recommend', ...args]);

    assert.match((await cli('list')).stdout, /rec-0123456789ab\s*│\s*proposed\s*│\s*queue_saturation/);
    const show = (await cli('show', 'rec-0123456789ab')).stdout;
    assert.match(show, /evidence: arrival rate 5 → 9/);
    assert.match(show, /^-\s+replicas: 2$/m);
    assert.match(show, /^\+\s+replicas: 3$/m);
    await assert.rejects(cli('apply', 'rec-0123456789ab'), /required option '--as <who>'/);
    assert.match((await cli('apply', 'rec-0123456789ab', '--as', 'alice')).stdout, /applied by alice/);
    assert.match(readFileSync(join(dir, 'manifests', 'llama-3-70b.yaml'), 'utf8'), /replicas: 3/);
    assert.match((await cli('rollback', 'rec-0123456789ab', '--as', 'bob')).stdout, /rolled back by bob/);
    assert.equal(readFileSync(join(dir, 'manifests', 'llama-3-70b.yaml'), 'utf8'), MANIFEST);
    assert.match((await cli('list')).stdout, /rolled_back\s*│.*│\s*bob/);
    await assert.rejects(cli('show', 'rec-nope'), /no recommendation rec-nope/);
    assert.match(
      (await cli('analyze', '--workload', 'llama-3-70b', '--model', 'm')).stdout,
      /no new recommendation/,
      'no data: nothing to propose',
    );
  });
});
