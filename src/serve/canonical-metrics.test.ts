import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExposition } from '../collect/scrape/exposition.ts';
import type { MetricSample } from '../model/metric-sample.ts';
import { makeRequest } from '../model/request.ts';
import { sloSpec } from '../analyze/slo/spec.ts';
import { configSchema } from '../config/schema.ts';
import { CanonicalMetrics, TTFT_BUCKETS_SECONDS, exportedName, promptBand } from './canonical-metrics.ts';

const sample = (name: string, value: number, labels: Record<string, string> = {}): MetricSample => ({
  timeMs: 0,
  name,
  value,
  cluster: 'us-east-1',
  model: 'llama-3-70b',
  replica: 'vllm-0',
  engine: 'vllm',
  labels,
});

describe('canonical /metrics', () => {
  it('exposes gauges as values and counters as running totals of scraped increases', async () => {
    const metrics = new CanonicalMetrics();
    metrics.observeSamples([sample('llm.requests.waiting', 7), sample('llm.tokens.generated', 100)]);
    metrics.observeSamples([sample('llm.requests.waiting', 3), sample('llm.tokens.generated', 50)]);
    const { families, errors } = parseExposition(await metrics.text());
    assert.deepEqual(errors, []);
    const value = (name: string) => families.find((f) => f.name === name)?.samples[0];
    assert.equal(value('kubeburner_llm_requests_waiting')?.value, 3);
    assert.deepEqual(value('kubeburner_llm_requests_waiting')?.labels, {
      cluster: 'us-east-1',
      model: 'llama-3-70b',
      replica: 'vllm-0',
      engine: 'vllm',
    });
    assert.equal(value('kubeburner_llm_tokens_generated_total')?.value, 150);
  });

  it('stays bounded when anyone sends 20 000 model names: the rest fold into "other", counted', async () => {
    const metrics = new CanonicalMetrics();
    const request = (model: string, i: number) =>
      makeRequest({ requestId: `r${i}`, arrivalUs: 0, model, e2eUs: 1000, ttftUs: 500 });
    metrics.observeRequest(request('llama-3-70b', -1));
    const before = (await metrics.text()).length;
    for (let i = 0; i < 20_000; i++) metrics.observeRequest(request(`model-${i}`, i));
    metrics.observeRequest(request('m'.repeat(5_000_000), 20_001));
    const text = await metrics.text();
    const { families } = parseExposition(text);
    const models = new Set(
      families.find((f) => f.name === 'kubeburner_requests_total')?.samples.map((s) => s.labels.model),
    );
    assert.ok(models.size <= 257, `${models.size} model values exported`);
    assert.ok(models.has('other') && models.has('llama-3-70b'));
    assert.ok(text.length < before * 300, `/metrics grew from ${before} to ${text.length} bytes`);
    assert.equal(
      families
        .find((f) => f.name === 'kubeburner_metrics_label_overflow_total')
        ?.samples.find((s) => s.labels.label === 'model')?.value,
      20_000 + 1 - 255,
    );
  });

  it('builds request histograms by prompt-length band with SLO thresholds as bucket bounds, and no tenant labels', async () => {
    const metrics = new CanonicalMetrics();
    metrics.observeRequest(
      makeRequest({
        requestId: 'a',
        arrivalUs: 0,
        model: 'm',
        team: 'search',
        tenant: 'search-web',
        promptTokens: 800,
        ttftUs: 400_000,
        e2eUs: 2e6,
        outputTokens: 10,
        cachedPromptTokens: 512,
        costUsd: 0.0025,
      }),
    );
    metrics.observeRequest(
      makeRequest({
        requestId: 'b',
        arrivalUs: 0,
        model: 'm',
        promptTokens: 9000,
        ttftUs: 3_000_000,
        e2eUs: 9e6,
        status: 'error',
      }),
    );
    const text = await metrics.text();
    const { families } = parseExposition(text);
    const ttft = families.find((f) => f.name === 'kubeburner_request_ttft_seconds');
    assert.ok(ttft);
    const bucket = (band: string, le: string) =>
      ttft.samples.find((s) => s.labels.prompt_band === band && s.labels.le === le)?.value;
    assert.equal(bucket('0-1k', '0.5'), 1);
    assert.equal(bucket('4k-16k', '1.5'), 0);
    assert.equal(bucket('4k-16k', '4'), 1);
    for (const threshold of [0.5, 1.5, 4]) assert.ok(TTFT_BUCKETS_SECONDS.includes(threshold));
    assert.ok(!/team=|tenant=/.test(text), 'unbounded tenant/team labels never exported');
    const tokens = families.find((f) => f.name === 'kubeburner_request_tokens_total');
    assert.equal(tokens?.samples.find((s) => s.labels.type === 'cached_input')?.value, 512);
    const requests = families.find((f) => f.name === 'kubeburner_requests_total');
    assert.equal(requests?.samples.find((s) => s.labels.status === 'error')?.value, 1);
    const cost = families.find((f) => f.name === 'kubeburner_request_cost_usd_total');
    assert.deepEqual(
      cost?.samples.map((s) => [s.labels.model, s.value]),
      [['m', 0.0025]],
      'priced requests only: the unpriced one adds nothing',
    );
  });

  it('counts good and bad events of each SLO from zero, for the generated Prometheus rules', async () => {
    const [spec] = configSchema
      .parse({
        slos: [
          {
            name: 'chat',
            selector: { team: 'search' },
            objective: 0.99,
            ttft: { bands: [{ max_prompt_tokens: 1000, threshold: '500ms' }, { threshold: '2s' }] },
          },
        ],
      })
      .slos.map(sloSpec);
    const metrics = new CanonicalMetrics([spec!]);
    const request = (id: string, team: string, ttftUs: number) =>
      makeRequest({ requestId: id, arrivalUs: 0, team, promptTokens: 400, outputTokens: 100, ttftUs });
    metrics.observeRequest(request('fast', 'search', 200_000));
    metrics.observeRequest(request('slow', 'search', 900_000));
    metrics.observeRequest(request('other-team', 'ads', 900_000));
    const families = parseExposition(await metrics.text()).families;
    const events = families.find((f) => f.name === 'kubeburner_slo_events_total')!;
    const count = (band: string, outcome: string) =>
      events.samples.find((s) => s.labels.band === band && s.labels.outcome === outcome)?.value;
    assert.deepEqual(
      [count('0-1000', 'good'), count('0-1000', 'bad'), count('1001+', 'good'), count('1001+', 'bad')],
      [1, 1, 0, 0],
      'the other team is not this SLO’s event; untouched bands are exported at 0',
    );
    const tokens = families.find((f) => f.name === 'kubeburner_slo_event_tokens_total')!;
    assert.equal(
      tokens.samples.find((s) => s.labels.band === '0-1000' && s.labels.outcome === 'bad')?.value,
      500,
    );
  });

  it('names and bands', () => {
    assert.equal(exportedName('llm.kv_cache.usage'), 'kubeburner_llm_kv_cache_usage');
    assert.equal(
      exportedName('gen_ai.server.time_to_first_token'),
      'kubeburner_gen_ai_server_time_to_first_token',
    );
    assert.deepEqual([1024, 1025, 4096, 16_384, 65_536, 65_537].map(promptBand), [
      '0-1k',
      '1k-4k',
      '1k-4k',
      '4k-16k',
      '16k-64k',
      '64k+',
    ]);
  });
});
