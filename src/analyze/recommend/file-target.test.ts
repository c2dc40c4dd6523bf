import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FileTarget } from './file-target.ts';

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: qwen
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: engine
          image: vllm/vllm-openai:v0.11.0
          args:
            - --model
            - Qwen/Qwen3-8B
            - --max-num-seqs
            - "512"
            - --gpu-memory-utilization=0.85
            - --enable-prefix-caching
`;

describe('manifest file target', () => {
  it('reads engine flags written as --flag=value and as two items', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-target-'));
    writeFileSync(join(dir, 'qwen.yaml'), MANIFEST);
    const facts = new FileTarget(dir).facts('qwen');
    assert.deepEqual(facts.engineArgs, {
      '--model': 'Qwen/Qwen3-8B',
      '--max-num-seqs': '512',
      '--gpu-memory-utilization': '0.85',
      '--enable-prefix-caching': '',
    });
  });

  it('changes a flag where it is written, in either form, and adds one that is absent', () => {
    const target = new FileTarget(mkdtempSync(join(tmpdir(), 'kb-target-')));
    const change = (flag: string, value: string) =>
      target.changed({ kind: 'set_engine_arg', workload: 'qwen', flag, value }, MANIFEST);
    const split = change('--max-num-seqs', '384');
    assert.match(split, /- --max-num-seqs\n\s+- "384"\n/);
    assert.equal(split.split('--max-num-seqs').length, 2, 'the flag once');
    assert.match(change('--gpu-memory-utilization', '0.90'), /- --gpu-memory-utilization=0.90\n/);
    assert.match(
      change('--max-num-batched-tokens', '8192'),
      /- --enable-prefix-caching\n\s+- --max-num-batched-tokens=8192\n/,
    );
  });

  it('writes through a fresh temp file, never following a link planted beside the manifest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-target-'));
    const outside = join(mkdtempSync(join(tmpdir(), 'kb-outside-')), 'victim.txt');
    writeFileSync(outside, 'untouched');
    writeFileSync(join(dir, 'qwen.yaml'), MANIFEST);
    // The old, predictable temp name, pointing outside the manifests directory.
    symlinkSync(outside, join(dir, 'qwen.yaml.kubeburner-tmp'));
    const target = new FileTarget(dir);
    target.replace('qwen', MANIFEST, MANIFEST.replace('replicas: 1', 'replicas: 2'));
    assert.equal(readFileSync(outside, 'utf8'), 'untouched');
    assert.match(readFileSync(join(dir, 'qwen.yaml'), 'utf8'), /replicas: 2/);
    assert.deepEqual(readdirSync(dir).sort(), ['qwen.yaml', 'qwen.yaml.kubeburner-tmp']);
  });
});
