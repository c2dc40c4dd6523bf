import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scrapeTargetSchema } from '../collect/scrape/targets.ts';
import { upstreamsFromTargets } from './discovered-upstreams.ts';

const target = (fields: Record<string, unknown>) => scrapeTargetSchema.parse(fields);

describe('gateway upstreams from scrape targets', () => {
  it('routes to each engine replica whose model is known, by the name the engine serves', () => {
    const targets = [
      target({ url: 'http://10.0.0.1:8000/metrics', replica: 'llama-70b-abc' }),
      target({ url: 'http://10.0.0.2:8002/metrics', replica: 'triton-0', api_url: 'http://10.0.0.2:8000' }),
      target({ url: 'http://10.0.0.3:9400/metrics', replica: 'dcgm-node-3', engine: 'dcgm' }),
      target({ url: 'http://10.0.0.4:8000/metrics', replica: 'not-scraped-yet' }),
    ];
    const models: Record<string, string> = { 'llama-70b-abc': 'llama-3-70b', 'triton-0': 'mixtral-8x7b' };
    const specs = upstreamsFromTargets(targets, (r) => models[r], {
      'meta-llama/Meta-Llama-3-70B-Instruct': 'llama-3-70b',
    });
    assert.deepEqual(specs, [
      {
        name: 'llama-70b-abc',
        replica: 'llama-70b-abc',
        url: 'http://10.0.0.1:8000',
        models: ['meta-llama/Meta-Llama-3-70B-Instruct'],
      },
      { name: 'triton-0', replica: 'triton-0', url: 'http://10.0.0.2:8000', models: ['mixtral-8x7b'] },
    ]);
  });
});
