import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InferenceRequest } from '../../src/model/request.ts';
import { makeRequest } from '../../src/model/request.ts';
import type { Span } from '../../src/model/span.ts';
import type { MetricSample } from '../../src/model/metric-sample.ts';
import type { OpsEvent } from '../../src/model/ops-event.ts';
import { COMPLETION_LAG_US, type Store } from '../../src/store/store.ts';
import { close, inRange, quantileR7 } from './expected.ts';
import { syntheticData } from './synthetic.ts';

export const DAY_US = 86_400_000_000;
/** 2026-11-20T00:00:00Z */
export const START_US = Date.UTC(2026, 10, 20) * 1000;

export const CONTRACT_DATA = syntheticData({ seed: 7, count: 3000, startUs: START_US, spanUs: 3 * DAY_US });

export const CONTRACT_METRICS: MetricSample[] = Array.from({ length: 240 }, (_, i) => ({
  timeMs: START_US / 1000 + i * 15_000,
  name: i % 2 === 0 ? 'llm.kv_cache.usage' : 'llm.requests.waiting',
  value: i % 2 === 0 ? (i % 17) / 17 : i % 9,
  cluster: 'us-east-1',
  model: 'llama-3-8b',
  replica: `llama-3-8b-${i % 3}`,
  engine: 'vllm',
  labels: i % 4 === 0 ? { le: '+Inf', source: 'scrape' } : ({ source: 'scrape' } as Record<string, string>),
}));

export const CONTRACT_EVENTS: OpsEvent[] = [
  {
    timeUs: START_US + 60e6,
    kind: 'slo_alert',
    subject: 'chat-ttft/page-1h',
    state: 'firing',
    body: { burnRate: 14.7, evidence: { band: '0-1000', note: 'it\'s "quoted" \\ ünï 🙂' } },
  },
  { timeUs: START_US + 62e6, kind: 'notification', subject: 'oncall', state: 'delivered', body: {} },
  {
    timeUs: START_US + 900e6,
    kind: 'slo_alert',
    subject: 'chat-ttft/page-1h',
    state: 'resolved',
    body: { after: [1, 2] },
  },
];

/** A request whose strings exercise quoting in both SQL dialects. */
export const ODD_REQUEST: InferenceRequest = makeRequest({
  requestId: `cmpl-'quote'\\back\\slash-ünïcødé-🙂`,
  arrivalUs: START_US + 5 * DAY_US + 123_456,
  traceId: '0af7651916cd43dd8448eb211c80319c',
  team: "team 'x'; DROP TABLE kb_requests; --",
  model: 'llama-3-8b',
  engine: 'llamacpp',
  ttftUs: 1,
  e2eUs: 2,
  status: 'rejected',
  errorClass: 'rate_limited',
  attributes: { 'key with "quotes"': "value with 'quotes' and \\ backslash" },
});

const ODD_SPAN: Span = {
  traceId: ODD_REQUEST.traceId as string,
  spanId: 'ffffffffffffffff',
  parentSpanId: null,
  requestId: ODD_REQUEST.requestId,
  kind: 'route',
  name: 'route: score=0.93',
  startUs: ODD_REQUEST.arrivalUs,
  durationUs: 1,
  estimated: true,
  costUsd: null,
  attributes: {},
};

/**
 * The contract every Store must meet. Expected values are computed here in JS from the same
 * data, so a backend that is wrong fails even if another backend is wrong the same way.
 */
export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(`${name} store contract`, () => {
    let store: Store;
    const { requests, spans } = CONTRACT_DATA;

    before(async () => {
      store = await open();
      // Several batches, as a collector would write them.
      for (let i = 0; i < requests.length; i += 1000) {
        const batch = requests.slice(i, i + 1000);
        const ids = new Set(batch.map((r) => r.requestId));
        await store.writeBatch({ requests: batch, spans: spans.filter((s) => ids.has(s.requestId)) });
      }
      await store.writeBatch({ requests: [ODD_REQUEST], spans: [ODD_SPAN] });
      await store.writeMetricSamples(CONTRACT_METRICS);
      await store.writeEvents(CONTRACT_EVENTS);
    });

    after(async () => {
      await store?.close();
    });

    it('counts every written row', async () => {
      const stats = await store.stats();
      assert.equal(stats.requests, requests.length + 1);
      assert.equal(stats.spans, spans.length + 1);
      assert.equal(stats.metricSamples, CONTRACT_METRICS.length);
      assert.equal(stats.events, CONTRACT_EVENTS.length);
    });

    it('places requests by completion time when asked (counts and buckets)', async () => {
      // Starts just after a request arrived, so it completes inside the range but arrived before it.
      const straddler = [...requests].sort((a, b) => a.arrivalUs - b.arrivalUs)[1500] as InferenceRequest;
      const fromUs = straddler.arrivalUs + 1;
      const range = { fromUs, toUs: fromUs + 6 * 3_600_000_000 };
      const completion = (r: InferenceRequest) => r.finishedUs ?? r.arrivalUs;
      const expected = requests.filter(
        (r) =>
          completion(r) >= range.fromUs &&
          completion(r) < range.toUs &&
          r.arrivalUs >= range.fromUs - COMPLETION_LAG_US,
      );
      assert.ok(
        expected.some((r) => r.arrivalUs < range.fromUs),
        'some arrived before the range',
      );
      const rows = await store.aggregateRequests({
        range,
        timeBy: 'completion',
        groupBy: [],
        bucketUs: 3_600_000_000,
        measures: [{ fn: 'count' }],
      });
      assert.equal(
        rows.reduce((sum, r) => sum + (r.values.count ?? 0), 0),
        expected.length,
      );
      const firstBucket = Math.floor(fromUs / 3_600_000_000) * 3_600_000_000;
      const firstBucketCount = expected.filter((r) => completion(r) < firstBucket + 3_600_000_000).length;
      assert.equal(rows.find((r) => r.bucketStartUs === firstBucket)?.values.count, firstBucketCount);
    });

    it('lists events newest first, filtered by kind and subject, with bodies intact', async () => {
      const range = { fromUs: START_US, toUs: START_US + DAY_US };
      const all = await store.listEvents({ range, limit: 10 });
      assert.deepEqual(
        all,
        [...CONTRACT_EVENTS].sort((a, b) => b.timeUs - a.timeUs),
      );
      const alerts = await store.listEvents({
        range,
        kinds: ['slo_alert'],
        subjects: ['chat-ttft/page-1h'],
        limit: 10,
      });
      assert.deepEqual(
        alerts.map((e) => e.state),
        ['resolved', 'firing'],
      );
      assert.equal((await store.listEvents({ range, limit: 1 }))[0]?.state, 'resolved');
      const later = await store.listEvents({
        range: { fromUs: START_US + 61e6, toUs: START_US + DAY_US },
        limit: 10,
      });
      assert.equal(later.length, 2);
      await assert.rejects(
        store.listEvents({ range, kinds: ['nope' as 'slo_alert'], limit: 1 }),
        /unknown event kind "nope"/,
      );
    });

    it('returns a request and its spans by id exactly as written', async () => {
      for (const original of [requests[0], requests[1234], requests[2999]] as InferenceRequest[]) {
        const found = await store.getRequest(original.requestId);
        assert.ok(found, `request ${original.requestId} not found`);
        assert.deepEqual(found.request, original);
        const expectedSpans = spans
          .filter((s) => s.requestId === original.requestId)
          .sort((a, b) => a.startUs - b.startUs || a.spanId.localeCompare(b.spanId));
        assert.deepEqual(found.spans, expectedSpans);
      }
    });

    it('keeps quotes, backslashes and unicode in ids, labels and attributes', async () => {
      const found = await store.getRequest(ODD_REQUEST.requestId);
      assert.ok(found);
      assert.deepEqual(found.request, ODD_REQUEST);
      assert.deepEqual(found.spans, [ODD_SPAN]);
      const byTeam = await store.searchRequests({
        range: { fromUs: START_US, toUs: START_US + 10 * DAY_US },
        where: { team: [ODD_REQUEST.team] },
        limit: 10,
      });
      assert.deepEqual(
        byTeam.map((r) => r.requestId),
        [ODD_REQUEST.requestId],
      );
    });

    it('finds requests by the start of their id, quotes and wildcards taken literally', async () => {
      const range = { fromUs: START_US, toUs: START_US + 10 * DAY_US };
      const prefix = ODD_REQUEST.requestId.slice(0, 8);
      const found = await store.searchRequests({ range, idPrefix: prefix, limit: 100 });
      const expected = [...requests, ODD_REQUEST].filter((r) => r.requestId.startsWith(prefix));
      assert.ok(expected.length > 0);
      assert.deepEqual(found.map((r) => r.requestId).sort(), expected.map((r) => r.requestId).sort());
      assert.deepEqual(await store.searchRequests({ range, idPrefix: '%', limit: 10 }), []);
      assert.deepEqual(await store.searchRequests({ range, idPrefix: "x' OR '1'='1", limit: 10 }), []);
    });

    it('counts only the requests the gateway served when asked (budgets)', async () => {
      const range = { fromUs: START_US, toUs: START_US + 10 * DAY_US };
      const all = [...requests, ODD_REQUEST];
      const found = await store.searchRequests({ range, throughGateway: true, limit: 100_000 });
      const expected = all.filter((r) => r.gatewayInUs !== null);
      assert.ok(expected.length > 0 && expected.length < all.length, 'the data has both kinds');
      assert.deepEqual(found.map((r) => r.requestId).sort(), expected.map((r) => r.requestId).sort());
    });

    it('says which of a list of request ids are stored', async () => {
      const stored = [requests[0]!.requestId, ODD_REQUEST.requestId];
      const found = await store.existingRequestIds(
        [...stored, 'chatcmpl-never-stored', stored[0]!],
        START_US,
      );
      assert.deepEqual([...found].sort(), [...stored].sort());
      assert.equal((await store.existingRequestIds([], START_US)).size, 0);
    });

    it('returns null for an unknown request id', async () => {
      assert.equal(await store.getRequest('chatcmpl-does-not-exist'), null);
    });

    it('finds the slowest requests of a team in a time range, ties broken by id', async () => {
      const fromUs = START_US + DAY_US / 2;
      const toUs = START_US + 2 * DAY_US;
      const found = await store.searchRequests({
        range: { fromUs, toUs },
        where: { team: ['search', 'ads'] },
        orderBy: 'e2e_us',
        direction: 'desc',
        limit: 25,
      });
      const expected = requests
        .filter((r) => inRange(r, fromUs, toUs) && (r.team === 'search' || r.team === 'ads'))
        .sort((a, b) => (b.e2eUs as number) - (a.e2eUs as number) || a.requestId.localeCompare(b.requestId))
        .slice(0, 25);
      assert.equal(found.length, 25);
      assert.deepEqual(found, expected);
    });

    it('filters by a minimum value and by several dimensions at once', async () => {
      const range = { fromUs: START_US, toUs: START_US + 3 * DAY_US };
      const found = await store.searchRequests({
        range,
        where: { model: ['llama-3-70b'], status: ['ok'] },
        atLeast: { ttft_us: 500_000 },
        orderBy: 'arrival',
        direction: 'asc',
        limit: 1000,
      });
      const expected = requests.filter(
        (r) => r.model === 'llama-3-70b' && r.status === 'ok' && (r.ttftUs as number) >= 500_000,
      );
      assert.ok(expected.length > 0);
      assert.deepEqual(
        found.map((r) => r.requestId),
        expected.map((r) => r.requestId),
      );
    });

    it('computes p50/p95/p99 TTFT by model over 24 hours', async () => {
      const range = { fromUs: START_US + DAY_US, toUs: START_US + 2 * DAY_US };
      const rows = await store.aggregateRequests({
        range,
        groupBy: ['model'],
        measures: [
          { fn: 'count' },
          { fn: 'quantile', field: 'ttft_us', q: 0.5 },
          { fn: 'quantile', field: 'ttft_us', q: 0.95 },
          { fn: 'quantile', field: 'ttft_us', q: 0.99 },
        ],
      });
      const models = [...new Set(requests.map((r) => r.model))].sort();
      assert.deepEqual(
        rows.map((r) => r.group.model),
        models,
      );
      for (const row of rows) {
        const ttfts = requests
          .filter((r) => inRange(r, range.fromUs, range.toUs) && r.model === row.group.model)
          .map((r) => r.ttftUs as number);
        assert.equal(row.values.count, ttfts.length);
        for (const [key, q] of [
          ['p50_ttft_us', 0.5],
          ['p95_ttft_us', 0.95],
          ['p99_ttft_us', 0.99],
        ] as const) {
          assert.ok(
            close(row.values[key], quantileR7(ttfts, q)),
            `${row.group.model} ${key}: ${row.values[key]}`,
          );
        }
      }
    });

    it('computes TTFT percentiles within a prompt-length band, both bounds inclusive', async () => {
      const range = { fromUs: START_US, toUs: START_US + 3 * DAY_US };
      const inBand = requests
        .filter((r) => r.ttftUs !== null && r.promptTokens >= 500 && r.promptTokens <= 2000)
        .map((r) => r.ttftUs as number);
      assert.ok(inBand.length > 10 && inBand.length < requests.length / 2, `${inBand.length} in band`);
      const [row] = await store.aggregateRequests({
        range,
        groupBy: [],
        atLeast: { prompt_tokens: 500, ttft_us: 0 },
        atMost: { prompt_tokens: 2000 },
        measures: [
          { fn: 'count' },
          { fn: 'quantile', field: 'ttft_us', q: 0.5 },
          { fn: 'quantile', field: 'ttft_us', q: 0.99 },
        ],
      });
      assert.equal(row?.values.count, inBand.length);
      assert.ok(close(row?.values.p50_ttft_us, quantileR7(inBand, 0.5)));
      assert.ok(close(row?.values.p99_ttft_us, quantileR7(inBand, 0.99)));
      const edge = requests[0] as (typeof requests)[number];
      const exact = await store.searchRequests({
        range,
        atLeast: { prompt_tokens: edge.promptTokens },
        atMost: { prompt_tokens: edge.promptTokens },
        limit: 1000,
      });
      assert.ok(exact.some((r) => r.requestId === edge.requestId));
      assert.ok(exact.every((r) => r.promptTokens === edge.promptTokens));
    });

    it('rolls cost and tokens up by team and day', async () => {
      const range = { fromUs: START_US, toUs: START_US + 3 * DAY_US };
      const rows = await store.aggregateRequests({
        range,
        groupBy: ['team'],
        bucketUs: DAY_US,
        measures: [
          { fn: 'sum', field: 'cost_usd' },
          { fn: 'sum', field: 'prompt_tokens' },
          { fn: 'sum', field: 'output_tokens' },
          { fn: 'avg', field: 'e2e_us' },
          { fn: 'max', field: 'e2e_us' },
          { fn: 'min', field: 'tpot_us' },
        ],
      });
      const teams = [...new Set(requests.map((r) => r.team))].sort();
      assert.equal(rows.length, teams.length * 3);
      for (const row of rows) {
        const group = requests.filter(
          (r) =>
            r.team === row.group.team &&
            r.arrivalUs >= (row.bucketStartUs as number) &&
            r.arrivalUs < (row.bucketStartUs as number) + DAY_US,
        );
        const sum = (f: (r: InferenceRequest) => number) => group.reduce((acc, r) => acc + f(r), 0);
        assert.ok(
          close(
            row.values.sum_cost_usd,
            sum((r) => r.costUsd as number),
          ),
        );
        assert.equal(
          row.values.sum_prompt_tokens,
          sum((r) => r.promptTokens),
        );
        assert.equal(
          row.values.sum_output_tokens,
          sum((r) => r.outputTokens),
        );
        assert.ok(close(row.values.avg_e2e_us, sum((r) => r.e2eUs as number) / group.length));
        assert.equal(row.values.max_e2e_us, Math.max(...group.map((r) => r.e2eUs as number)));
        const tpots = group.map((r) => r.tpotUs).filter((v): v is number => v !== null);
        assert.equal(row.values.min_tpot_us, Math.min(...tpots));
      }
    });

    it('sums span time and cost per replica and kind, whole or clipped to a window', async () => {
      const range = { fromUs: START_US, toUs: START_US + DAY_US };
      const clipTo = { fromUs: START_US + 6 * 3_600_000_000, toUs: START_US + 7 * 3_600_000_000 };
      const selected = new Map(
        requests.filter((r) => inRange(r, range.fromUs, range.toUs)).map((r) => [r.requestId, r.replica]),
      );
      const expected = (clip: { fromUs: number; toUs: number } | null) => {
        const out = new Map<string, { spans: number; durationUs: number; costUsd: number }>();
        for (const span of CONTRACT_DATA.spans) {
          const replica = selected.get(span.requestId);
          if (replica === undefined) continue;
          let share = 1;
          let counted = span.durationUs;
          if (clip) {
            const end = span.startUs + span.durationUs;
            counted = Math.max(0, Math.min(end, clip.toUs) - Math.max(span.startUs, clip.fromUs));
            const inside = span.startUs >= clip.fromUs && span.startUs < clip.toUs;
            if (counted <= 0 && !inside) continue;
            share = span.durationUs > 0 ? counted / span.durationUs : 1;
          }
          const key = `${replica}|${span.kind}`;
          const row = out.get(key) ?? { spans: 0, durationUs: 0, costUsd: 0 };
          row.spans++;
          row.durationUs += counted;
          row.costUsd += (span.costUsd ?? 0) * share;
          out.set(key, row);
        }
        return out;
      };
      for (const clip of [null, clipTo]) {
        const rows = await store.aggregateSpans({
          range,
          groupBy: ['replica'],
          ...(clip ? { clipTo: clip } : {}),
        });
        const want = expected(clip);
        assert.ok(want.size > 0, 'the fixture has spans in the range');
        assert.equal(rows.length, want.size, clip ? 'clipped' : 'whole');
        for (const row of rows) {
          const w = want.get(`${row.group.replica}|${row.kind}`);
          assert.ok(w, `unexpected group ${row.group.replica} ${row.kind}`);
          assert.equal(row.spans, w.spans);
          assert.ok(
            close(row.durationUs, w.durationUs),
            `${row.kind} duration ${row.durationUs} vs ${w.durationUs}`,
          );
          assert.ok(close(row.costUsd ?? 0, w.costUsd), `${row.kind} cost ${row.costUsd} vs ${w.costUsd}`);
        }
      }
    });

    it('counts and sums only the requests a measure filter matches, beside the total', async () => {
      const range = { fromUs: START_US, toUs: START_US + 3 * DAY_US };
      const [row] = await store.aggregateRequests({
        range,
        groupBy: [],
        measures: [
          { fn: 'count' },
          {
            fn: 'count',
            as: 'fast_short_ok',
            filter: {
              ranges: { ttft_us: { max: 300_000 }, prompt_tokens: { min: 1, max: 1024 } },
              status: ['ok'],
            },
          },
          {
            fn: 'sum',
            field: 'output_tokens',
            as: 'failed_output',
            filter: { status: ['error', 'timeout'] },
          },
          { fn: 'count', as: 'none', filter: { status: [] } },
        ],
      });
      const inWindow = requests.filter((r) => inRange(r, range.fromUs, range.toUs));
      const fastShortOk = inWindow.filter(
        (r) =>
          r.ttftUs !== null &&
          r.ttftUs <= 300_000 &&
          r.promptTokens >= 1 &&
          r.promptTokens <= 1024 &&
          r.status === 'ok',
      ).length;
      const failedOutput = inWindow
        .filter((r) => r.status === 'error' || r.status === 'timeout')
        .reduce((sum, r) => sum + r.outputTokens, 0);
      assert.ok(fastShortOk > 0 && fastShortOk < inWindow.length, 'the filter selects some, not all');
      assert.deepEqual(row?.values, {
        count: inWindow.length,
        fast_short_ok: fastShortOk,
        failed_output: failedOutput,
        none: 0,
      });
      await assert.rejects(
        store.aggregateRequests({ range, groupBy: [], measures: [{ fn: 'count' }, { fn: 'count' }] }),
        /both named "count"/,
      );
    });

    it('returns one row of nulls and a zero count for an empty range', async () => {
      const rows = await store.aggregateRequests({
        range: { fromUs: 0, toUs: 1000 },
        groupBy: [],
        measures: [
          { fn: 'count' },
          { fn: 'quantile', field: 'ttft_us', q: 0.99 },
          { fn: 'sum', field: 'cost_usd' },
        ],
      });
      assert.deepEqual(rows, [{ group: {}, values: { count: 0, p99_ttft_us: null, sum_cost_usd: null } }]);
    });

    it('aggregates metric samples per replica and step, with label filters and last values', async () => {
      const range = { fromUs: START_US, toUs: START_US + 3_600_000_000 };
      const stepUs = 300_000_000;
      const points = await store.queryMetric({
        name: 'llm.kv_cache.usage',
        range,
        groupBy: ['replica'],
        stepUs,
        aggregate: 'avg',
      });
      const kv = CONTRACT_METRICS.filter((m) => m.name === 'llm.kv_cache.usage');
      const expected = new Map<string, number[]>();
      for (const m of kv) {
        const key = `${m.replica}|${Math.floor((m.timeMs * 1000) / stepUs) * stepUs}`;
        expected.set(key, [...(expected.get(key) ?? []), m.value]);
      }
      assert.equal(points.length, expected.size);
      for (const p of points) {
        const values = expected.get(`${p.group.replica}|${p.bucketStartUs}`);
        assert.ok(values, `unexpected bucket ${p.group.replica} ${p.bucketStartUs}`);
        assert.ok(close(p.value, values.reduce((a, b) => a + b, 0) / values.length));
      }
      const last = await store.queryMetric({
        name: 'llm.requests.waiting',
        range,
        stepUs: 3_600_000_000,
        aggregate: 'last',
        labels: { source: 'scrape' },
      });
      const waiting = CONTRACT_METRICS.filter((m) => m.name === 'llm.requests.waiting');
      assert.deepEqual(last, [
        { group: {}, bucketStartUs: START_US, value: (waiting.at(-1) as MetricSample).value },
      ]);
      const withLe = await store.queryMetric({
        name: 'llm.kv_cache.usage',
        range,
        stepUs: 3_600_000_000,
        aggregate: 'sum',
        labels: { le: '+Inf' },
      });
      const leSum = kv.filter((m) => m.labels.le === '+Inf').reduce((a, m) => a + m.value, 0);
      assert.equal(withLe.length, 1);
      assert.ok(close(withLe[0]?.value, leSum));
      // A step as long as the range is one bucket at the range's start, even when the range
      // crosses a multiple of the step (here 00:30 to 01:30 with an hour step).
      const offset = { fromUs: START_US + 1_800_000_000, toUs: START_US + 5_400_000_000 };
      const whole = await store.queryMetric({
        name: 'llm.kv_cache.usage',
        range: offset,
        stepUs: offset.toUs - offset.fromUs,
        aggregate: 'max',
      });
      const inOffset = kv.filter((m) => m.timeMs * 1000 >= offset.fromUs && m.timeMs * 1000 < offset.toUs);
      assert.ok(inOffset.length > 0, 'the fixture has samples in the offset range');
      assert.deepEqual(whole, [
        { group: {}, bucketStartUs: offset.fromUs, value: Math.max(...inOffset.map((m) => m.value)) },
      ]);
      // Grouping by a label key: samples without it group under "".
      const byLe = await store.queryMetric({
        name: 'llm.kv_cache.usage',
        range,
        stepUs: 3_600_000_000,
        aggregate: 'sum',
        groupByLabels: ['le'],
      });
      const withoutLeSum = kv.filter((m) => m.labels.le === undefined).reduce((a, m) => a + m.value, 0);
      assert.deepEqual(
        byLe.map((p) => p.labels),
        [{ le: '' }, { le: '+Inf' }],
      );
      assert.ok(close(byLe[0]?.value, withoutLeSum));
      assert.ok(close(byLe[1]?.value, leSum));
      await assert.rejects(
        store.queryMetric({ name: 'x', range, stepUs: 1, aggregate: 'sum', groupByLabels: ["le'--"] }),
        /invalid label key/,
      );
    });

    it('rejects a batch with an invalid span id and writes none of it', async () => {
      const before = await store.stats();
      const request = makeRequest({ requestId: 'bad-batch', arrivalUs: START_US });
      await assert.rejects(
        store.writeBatch({
          requests: [request],
          spans: [{ ...ODD_SPAN, requestId: 'bad-batch', spanId: 'not-hex' }],
        }),
        /span_id: expected 16 lowercase hex digits, got "not-hex"/,
      );
      assert.deepEqual(await store.stats(), before);
      assert.equal(await store.getRequest('bad-batch'), null);
    });

    it('rejects unknown dimensions and bad limits with a clear error', async () => {
      const range = { fromUs: START_US, toUs: START_US + DAY_US };
      await assert.rejects(
        store.searchRequests({ range, where: { ['team; DROP' as 'team']: ['x'] }, limit: 1 }),
        /unknown dimension "team; DROP"/,
      );
      await assert.rejects(store.searchRequests({ range, limit: 0 }), /limit must be between 1 and 100000/);
    });

    it('drops whole UTC days older than the retention window', async () => {
      // "now" is day 3 18:00; keeping 1 day keeps day 2 and day 3 (and the odd request on day 5).
      const nowUs = START_US + 3 * DAY_US + 18 * 3_600_000_000;
      const result = await store.applyRetention({ requestsDays: 1, spansDays: 1, metricsDays: 1 }, nowUs);
      assert.equal(result.cutoffUs.requests, START_US + 2 * DAY_US);
      const kept = requests.filter((r) => r.arrivalUs >= START_US + 2 * DAY_US);
      const stats = await store.stats();
      assert.equal(stats.requests, kept.length + 1);
      const keptIds = new Set(kept.map((r) => r.requestId));
      assert.equal(stats.spans, spans.filter((s) => keptIds.has(s.requestId)).length + 1);
      assert.equal(stats.metricSamples, 0);
      assert.equal(stats.events, 0);
      assert.equal(await store.getRequest((requests[0] as InferenceRequest).requestId), null);
    });
  });
}
