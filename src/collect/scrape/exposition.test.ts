import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseExposition } from './exposition.ts';
import { ENGINE_FIXTURES } from '../../../test/support/fixtures.ts';

const FIXTURES = ENGINE_FIXTURES;

function fixture(path: string): string {
  return readFileSync(join(FIXTURES, path), 'utf8');
}

describe('exposition parser', () => {
  it('parses every real engine fixture without an error', () => {
    for (const engine of readdirSync(FIXTURES)) {
      for (const file of readdirSync(join(FIXTURES, engine)).filter((f) => f.endsWith('.prom'))) {
        const parsed = parseExposition(fixture(join(engine, file)));
        assert.deepEqual(parsed.errors, [], `${engine}/${file}`);
        assert.ok(parsed.families.length > 0, `${engine}/${file} has families`);
      }
    }
  });

  it('groups a vLLM histogram under its family with colons in the name', () => {
    const { families } = parseExposition(fixture('vllm/vllm-v1-metrics-synthetic.prom'));
    const ttft = families.find((f) => f.name === 'vllm:time_to_first_token_seconds');
    assert.equal(ttft?.type, 'histogram');
    const buckets = ttft?.samples.filter((s) => s.name.endsWith('_bucket')).map((s) => s.labels.le);
    assert.deepEqual(buckets?.slice(0, 3), ['0.001', '0.005', '0.01']);
    assert.equal(buckets?.at(-1), '+Inf');
    const count = ttft?.samples.find((s) => s.name === 'vllm:time_to_first_token_seconds_count');
    const inf = ttft?.samples.find((s) => s.labels.le === '+Inf');
    assert.equal(count?.value, inf?.value);
    assert.deepEqual(Object.keys(count?.labels ?? {}), ['engine', 'model_name']);
  });

  it('keeps counters without _total (TGI) and counters with it (vLLM) in one family each', () => {
    const tgi = parseExposition(fixture('tgi/tgi-3.3-metrics-synthetic.prom'));
    assert.equal(tgi.families.find((f) => f.name === 'tgi_request_success')?.type, 'counter');
    const vllm = parseExposition(fixture('vllm/vllm-v1-metrics-synthetic.prom'));
    const preemptions = vllm.families.find((f) => f.name === 'vllm:num_preemptions_total');
    assert.equal(preemptions?.type, 'counter');
    assert.equal(preemptions?.samples[0]?.value, 7);
  });

  it('reads special values, exponents, timestamps and escaped label values', () => {
    const { families, errors } = parseExposition(
      [
        '# TYPE x gauge',
        'x{a="q\\"uote",b="back\\\\slash",c="new\\nline"} 6.4929219e+07 1700000000000',
        'x{a="inf"} +Inf',
        'x{a="nan"} NaN',
        'x{a="neg",} -Inf',
      ].join('\n'),
    );
    assert.deepEqual(errors, []);
    const samples = families[0]?.samples ?? [];
    assert.deepEqual(samples[0], {
      name: 'x',
      labels: { a: 'q"uote', b: 'back\\slash', c: 'new\nline' },
      value: 64_929_219,
      timestamp: 1_700_000_000_000,
    });
    assert.equal(samples[1]?.value, Infinity);
    assert.ok(Number.isNaN(samples[2]?.value));
    assert.equal(samples[3]?.value, -Infinity);
  });

  it('rejects a bad line alone, naming the line and the reason, and keeps the rest', () => {
    const { families, errors } = parseExposition(
      ['# TYPE ok counter', 'ok_total 1', 'broken{a="1" 2', 'ok_total{x="y"} 3', 'bad_value seven'].join(
        '\n',
      ),
    );
    assert.deepEqual(
      errors.map((e) => e.line),
      [3, 5],
    );
    assert.match(errors[0]?.message ?? '', /expected , or } after label a/);
    assert.match(errors[1]?.message ?? '', /invalid value "seven"/);
    assert.deepEqual(
      families.find((f) => f.name === 'ok')?.samples.map((s) => s.value),
      [1, 3],
    );
  });

  it('accepts OpenMetrics: units, EOF, exemplars and quoted UTF-8 names', () => {
    const { families, errors } = parseExposition(
      [
        '# TYPE req_seconds histogram',
        '# UNIT req_seconds seconds',
        'req_seconds_bucket{le="0.5"} 3 # {trace_id="abc"} 0.4 1700000000.123',
        'req_seconds_count 3',
        '{"gen_ai.server.request.duration",model="m"} 1.5',
        '# EOF',
      ].join('\n'),
    );
    assert.deepEqual(errors, []);
    assert.equal(families[0]?.unit, 'seconds');
    assert.equal(families[0]?.samples.length, 2);
    assert.equal(
      families.find((f) => f.name === 'gen_ai.server.request.duration')?.samples[0]?.labels.model,
      'm',
    );
  });
});
