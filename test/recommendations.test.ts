import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { compareWindows } from '../src/analyze/rca/compare-windows.ts';
import { RecommendationBook } from '../src/analyze/recommend/decisions.ts';
import { FileTarget } from '../src/analyze/recommend/file-target.ts';
import { recommend, type Recommendation } from '../src/analyze/recommend/recommendation.ts';
import type { DuckDbStore } from '../src/store/duckdb/duckdb-store.ts';
import { runFaultScenario } from './support/fault-scenario.ts';
import { LLAMA_70B_MANIFEST as MANIFEST } from './support/manifests.ts';

/** The root-cause comparison of a fault run's window against its baseline, for its model. */
const diagnose = (run: Awaited<ReturnType<typeof runFaultScenario>>) =>
  compareWindows(run.store, { where: { model: [run.model] } }, run.window, run.baseline);

/**
 * The recommendation flow end to end on a file target: a simulated fault is diagnosed, a change
 * is proposed with its evidence, previewed as a diff, applied by a named person, and rolled back —
 * each decision in the audit log, nothing applied on its own.
 */
describe('recommendations: preview → apply → rollback against a manifest directory', () => {
  let dir: string;
  let store: DuckDbStore;
  let book: RecommendationBook;
  let kv: Recommendation;
  let now = Date.UTC(2026, 10, 25, 12) * 1000;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kb-recommend-'));
    writeFileSync(join(dir, 'llama-3-70b.yaml'), MANIFEST);
    const run = await runFaultScenario('kv_pressure', 1);
    store = run.store;
    const target = new FileTarget(dir);
    const comparison = await diagnose(run);
    const proposals = recommend(comparison, target.facts('llama-3-70b'), now);
    book = new RecommendationBook(store, target, () => (now += 1000));
    await book.propose(proposals);
    kv = proposals.find((r) => r.cause === 'kv_pressure') as Recommendation;
  });
  after(() => store?.close());

  it('proposes a change for the diagnosed cause, with its evidence, and changes nothing yet', async () => {
    assert.ok(kv, 'a KV-pressure recommendation');
    assert.deepEqual(kv.change, {
      kind: 'set_engine_arg',
      workload: 'llama-3-70b',
      flag: '--gpu-memory-utilization',
      value: '0.90',
    });
    assert.ok(kv.evidence.some((e) => e.metric === 'preemptions'));
    assert.equal(readFileSync(join(dir, 'llama-3-70b.yaml'), 'utf8'), MANIFEST);
    assert.equal((await book.get(kv.id)).state, 'proposed');
    assert.deepEqual(await book.propose([kv]), [], 'the same proposal is not recorded twice');
  });

  it('previews the exact change as a unified diff, keeping comments and layout', async () => {
    const { diff, after } = await book.preview(kv.id);
    assert.match(diff, /^-\s+- --gpu-memory-utilization=0\.85 # leaves room for the sidecar$/m);
    assert.match(diff, /^\+\s+- --gpu-memory-utilization=0\.90/m);
    assert.equal(diff.split('\n').filter((l) => /^[+-][^+-]/.test(l)).length, 2, 'one line out, one in');
    assert.match(after, /^# Llama 3 70B on vLLM/);
  });

  it('applies only on a named decision, records it, and refuses to apply twice', async () => {
    await assert.rejects(book.apply(kv.id, ' '), /say who decides/);
    assert.equal(
      readFileSync(join(dir, 'llama-3-70b.yaml'), 'utf8'),
      MANIFEST,
      'a refused decision touches nothing',
    );
    const applied = await book.apply(kv.id, 'alice@example.com');
    assert.equal(applied.state, 'applied');
    assert.match(readFileSync(join(dir, 'llama-3-70b.yaml'), 'utf8'), /--gpu-memory-utilization=0\.90/);
    assert.deepEqual(
      applied.history.map((h) => [h.state, h.who]),
      [
        ['proposed', 'kubeburner'],
        ['applied', 'alice@example.com'],
      ],
    );
    await assert.rejects(
      book.apply(kv.id, 'alice@example.com'),
      /is applied; only a proposed or rolled-back/,
    );
  });

  it('rolls back to the file as it was, byte for byte', async () => {
    const rolled = await book.rollback(kv.id, 'bob@example.com');
    assert.equal(rolled.state, 'rolled_back');
    assert.equal(readFileSync(join(dir, 'llama-3-70b.yaml'), 'utf8'), MANIFEST);
    assert.equal(rolled.history.at(-1)?.who, 'bob@example.com');
  });

  it('refuses to roll back over someone else’s edit', async () => {
    await book.apply(kv.id, 'alice@example.com');
    const file = join(dir, 'llama-3-70b.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('replicas: 2', 'replicas: 3'));
    await assert.rejects(book.rollback(kv.id, 'bob@example.com'), /changed since it was read/);
    assert.match(readFileSync(file, 'utf8'), /replicas: 3/, 'their edit is kept');
    assert.equal((await book.get(kv.id)).state, 'applied');
  });

  it('proposes more replicas for a load spike', async () => {
    const run = await runFaultScenario('queue_saturation', 1);
    try {
      const comparison = await diagnose(run);
      const [scale] = recommend(
        comparison,
        { workload: 'llama-3-70b', replicas: 2, engineArgs: {} },
        now,
      ).filter((r) => r.change.kind === 'set_replicas');
      assert.equal(scale?.change.kind, 'set_replicas');
      assert.ok(
        scale &&
          scale.change.kind === 'set_replicas' &&
          scale.change.replicas >= 3 &&
          scale.change.replicas <= 4,
      );
      const { diff } = new FileTarget(dir).preview(scale.change);
      assert.match(diff, /^\+ {2}replicas: [34]$/m);
    } finally {
      await run.store.close();
    }
  });
});

describe('recommendations only use flags the workload’s engine has', () => {
  it('proposes each engine its own flags, and none to an engine without known flags', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-recommend-engines-'));
    const write = (name: string, image: string, args: string[]) =>
      writeFileSync(
        join(dir, `${name}.yaml`),
        MANIFEST.replace(/image: \S+/, `image: ${image}`).replace(
          /args:\n(\s+- .*\n)+/,
          `args:\n${args.map((a) => `            - ${a}\n`).join('')}`,
        ),
      );
    writeFileSync(join(dir, 'llama-3-70b.yaml'), MANIFEST);
    write('sglang-set', 'lmsysorg/sglang:v0.5.2-cu126', [
      '--mem-fraction-static=0.8',
      '--max-running-requests=128',
    ]);
    write('sglang-auto', 'lmsysorg/sglang:v0.5.2-cu126', ['--tp=2']);
    write('trtllm', 'nvcr.io/nvidia/tensorrt-llm/release:1.0.0', ['--max_batch_size=512']);
    write('triton', 'nvcr.io/nvidia/tritonserver:25.01-trtllm-python-py3', ['--model-repository=/models']);
    write('custom', 'example.com/in-house-server:1', ['--port=8000']);
    write('vllm-at-cap', 'vllm/vllm-openai:v0.11.0', ['--gpu-memory-utilization=0.95']);
    write('vllm-at-cap-set', 'vllm/vllm-openai:v0.11.0', [
      '--gpu-memory-utilization=0.95',
      '--max-num-seqs=512',
    ]);
    const target = new FileTarget(dir);
    assert.deepEqual(
      ['llama-3-70b', 'sglang-set', 'trtllm', 'triton', 'custom'].map((w) => target.facts(w).engine),
      ['vllm', 'sglang', 'trtllm', 'triton', null],
    );
    const run = await runFaultScenario('kv_pressure', 1);
    try {
      const comparison = await diagnose(run);
      const flags = (workload: string) =>
        recommend(comparison, target.facts(workload), Date.UTC(2026, 10, 25) * 1000)
          .map((r) => r.change)
          .flatMap((c) => (c.kind === 'set_engine_arg' ? [`${c.flag}=${c.value}`] : []));
      assert.deepEqual(flags('llama-3-70b'), ['--gpu-memory-utilization=0.90']);
      assert.deepEqual(flags('sglang-set'), ['--mem-fraction-static=0.85']);
      assert.deepEqual(flags('sglang-auto'), [], 'SGLang sizes it itself: unknown current value, no change');
      assert.deepEqual(flags('trtllm'), ['--kv_cache_free_gpu_memory_fraction=0.95']);
      assert.deepEqual(flags('triton'), [], 'configured in config.pbtxt, not by flags');
      assert.deepEqual(flags('custom'), [], 'an engine not recognised gets no engine flags');
      // At the memory cap: fewer sequences, but only from a value the manifest states (vLLM's
      // default is 1024 or 256 depending on the GPU).
      assert.deepEqual(flags('vllm-at-cap'), []);
      assert.deepEqual(flags('vllm-at-cap-set'), ['--max-num-seqs=384']);
    } finally {
      await run.store.close();
    }
  });
});
