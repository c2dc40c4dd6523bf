import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CANONICAL_METRICS } from '../model/metric-names.ts';
import { renderSchemaDoc } from './schema-doc.ts';

describe('docs/schema.md', () => {
  it('matches what the model generates (run npm run docs:schema after changing the model)', () => {
    assert.equal(readFileSync('docs/schema.md', 'utf8'), renderSchemaDoc());
  });

  it('maps the core engine signals with their exact exposed names', () => {
    const byName = new Map(CANONICAL_METRICS.map((m) => [m.name, m.sources as Record<string, string>]));
    assert.match(byName.get('llm.request.queue_time')?.vllm ?? '', /`vllm:request_queue_time_seconds`/);
    assert.match(byName.get('llm.kv_cache.usage')?.sglang ?? '', /`sglang:token_usage`/);
    assert.match(byName.get('llm.requests.waiting')?.llamacpp ?? '', /`llamacpp:requests_deferred`/);
    assert.match(
      byName.get('gen_ai.server.time_to_first_token')?.trtllm ?? '',
      /`trtllm_time_to_first_token_seconds`/,
    );
    assert.match(byName.get('gpu.engine_active')?.dcgm ?? '', /`DCGM_FI_PROF_GR_ENGINE_ACTIVE`/);
  });

  it('uses OpenTelemetry GenAI names where the conventions define one', () => {
    const semconv = CANONICAL_METRICS.filter((m) => m.semconv).map((m) => m.name);
    assert.deepEqual(semconv.sort(), [
      'gen_ai.client.token.usage',
      'gen_ai.server.request.duration',
      'gen_ai.server.time_per_output_token',
      'gen_ai.server.time_to_first_token',
    ]);
  });
});
