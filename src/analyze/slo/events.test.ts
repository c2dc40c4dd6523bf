import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY_US, START_US } from '../../../test/support/store-contract.ts';
import { syntheticData } from '../../../test/support/synthetic.ts';
import { configSchema } from '../../config/schema.ts';
import { DuckDbStore } from '../../store/duckdb/duckdb-store.ts';
import { classifyRequest, sloBandEvents, sloMeasures, sloRequestFilter } from './events.ts';
import { burnRateAlerts, sloSpec } from './spec.ts';

const specs = configSchema
  .parse({
    slos: [
      { name: 'avail', objective: 0.999, availability: {} },
      {
        name: 'avail-tokens',
        objective: 0.99,
        token_weighted: true,
        availability: { count_as_errors: ['error'] },
      },
      { name: 'tpot', selector: { model: 'llama-3-70b' }, objective: 0.95, tpot: { threshold: '30ms' } },
      {
        name: 'ttft-visible',
        selector: { model: 'qwen2.5-32b' },
        objective: 0.99,
        ttft: {
          visible_token: true,
          bands: [{ max_prompt_tokens: 1000, threshold: '300ms' }, { threshold: '2s' }],
        },
      },
      {
        name: 'ttft-team',
        selector: { team: 'search' },
        objective: 0.99,
        token_weighted: true,
        ttft: { bands: [{ max_prompt_tokens: 1024, threshold: '150ms' }, { threshold: '400ms' }] },
      },
    ],
  })
  .slos.map(sloSpec);

describe('SLO events', () => {
  it('names bands by prompt length and scales burn rates to the SLO window', () => {
    const ttft = specs.find((s) => s.name === 'ttft-visible')!;
    assert.deepEqual(ttft.sli.kind === 'ttft' && ttft.sli.bands.map((b) => [b.name, b.thresholdUs]), [
      ['0-1000', 300_000],
      ['1001+', 2_000_000],
    ]);
    const days = (n: number) => n * 86_400e6;
    assert.deepEqual(
      burnRateAlerts(days(30), { page: true, ticket: true }).map((a) => Number(a.burnRate.toFixed(4))),
      [14.4, 6, 3, 1],
    );
    assert.deepEqual(
      burnRateAlerts(days(28), { page: true, ticket: false }).map((a) => Number(a.burnRate.toFixed(4))),
      [13.44, 5.6],
    );
  });

  it('counts the same good and total events in the store as request by request (every SLI kind)', async () => {
    const { requests } = syntheticData({ seed: 3, count: 4000, startUs: START_US, spanUs: DAY_US });
    const store = await DuckDbStore.open({ path: ':memory:' });
    try {
      await store.writeBatch({ requests, spans: [] });
      const range = { fromUs: START_US, toUs: START_US + DAY_US };
      for (const spec of specs) {
        const [row] = await store.aggregateRequests({
          ...sloRequestFilter(spec, range),
          groupBy: [],
          measures: sloMeasures(spec),
        });
        const expected = new Map<string, { good: number; total: number }>();
        for (const r of requests) {
          const event = classifyRequest(spec, r);
          if (!event) continue;
          const e = expected.get(event.band) ?? { good: 0, total: 0 };
          e.total += event.weight;
          if (event.good) e.good += event.weight;
          expected.set(event.band, e);
        }
        const fromStore = sloBandEvents(spec, row);
        assert.deepEqual(
          fromStore,
          fromStore.map(({ band }) => ({ band, ...(expected.get(band) ?? { good: 0, total: 0 }) })),
          spec.name,
        );
        const total = fromStore.reduce((s, b) => s + b.total, 0);
        const good = fromStore.reduce((s, b) => s + b.good, 0);
        assert.ok(
          total > 0 && good > 0 && good < total,
          `${spec.name} has good and bad events (${good}/${total})`,
        );
      }
    } finally {
      await store.close();
    }
  });
});
