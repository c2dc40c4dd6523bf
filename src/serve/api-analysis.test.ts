import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WindowComparison } from '../analyze/rca/compare-windows.ts';
import { makeRequest } from '../model/request.ts';
import { DuckDbStore } from '../store/duckdb/duckdb-store.ts';
import { listen } from '../../test/support/http.ts';
import { seededRandom } from '../../test/support/random.ts';
import { createApi } from './api.ts';
import { hashApiKey } from '../gateway/tenants.ts';

const MIN_MS = 60_000;
const START_MS = Date.UTC(2026, 11, 1, 9);
const ADMIN = 'admin-token-0123456789';
const TEAM = 'team-token-0123456789';

/**
 * 40 minutes of one model at 0.5 request/s, then from minute 35 four times as many arrivals that
 * wait in the queue (seeded noise on every phase).
 */
function requests(seed: number) {
  const random = seededRandom(seed);
  const out = [];
  for (let atMs = START_MS, i = 0; atMs < START_MS + 40 * MIN_MS; i++) {
    const spike = atMs >= START_MS + 35 * MIN_MS;
    const queueUs = (spike ? 2e6 : 10e3) * (0.5 + random());
    const prefillUs = 100e3 * (0.8 + 0.4 * random());
    const decodeUs = 600e3 * (0.8 + 0.4 * random()) * (spike ? 1.3 : 1);
    const arrivalUs = atMs * 1000;
    const e2eUs = queueUs + prefillUs + decodeUs;
    out.push(
      makeRequest({
        requestId: `r${i}`,
        model: 'chat',
        team: 'search',
        replica: 'r0',
        arrivalUs,
        finishedUs: arrivalUs + e2eUs,
        e2eUs,
        queueUs,
        prefillUs,
        decodeUs,
        ttftUs: queueUs + prefillUs,
        tpotUs: decodeUs / 63,
        promptTokens: 400,
        outputTokens: 64,
      }),
    );
    atMs += (spike ? 500 : 2000) * (0.5 + random());
  }
  return out;
}

describe('/api/analysis/window over HTTP', () => {
  let store: DuckDbStore;
  let close: () => Promise<void>;
  let base: string;
  const get = (path: string, token = ADMIN) =>
    fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const at = (minute: number) => String(START_MS + minute * MIN_MS);

  before(async () => {
    store = await DuckDbStore.open({ path: ':memory:' });
    await store.writeBatch({ requests: requests(Date.now() % 1000), spans: [] });
    const app = createApi({
      store,
      nowUs: () => (START_MS + 40 * MIN_MS) * 1000,
      tokens: [
        { name: 'platform', token_sha256: hashApiKey(ADMIN) },
        { name: 'search', token_sha256: hashApiKey(TEAM), teams: ['search'] },
      ],
    });
    ({ base, close } = await listen(app));
  });
  after(async () => {
    await close();
    await store.close();
  });

  it('names the load spike in the last minutes against the half hour before, with its evidence', async () => {
    const response = await get(`/api/analysis/window?from=${at(33)}&to=${at(40)}&model=chat`);
    assert.equal(response.status, 200, await response.clone().text());
    const answer = (await response.json()) as WindowComparison;
    assert.deepEqual(answer.baseline, {
      fromUs: (START_MS + 3 * MIN_MS) * 1000,
      toUs: (START_MS + 33 * MIN_MS) * 1000,
    });
    assert.equal(answer.verdict.kind, 'cause', JSON.stringify(answer.verdict));
    assert.equal(answer.verdict.kind === 'cause' && answer.verdict.cause.cause, 'queue_saturation');
    // The change began at minute 35: the comparison runs from about there, not from minute 33.
    assert.ok(
      Math.abs(answer.focus.fromUs / 1000 - (START_MS + 35 * MIN_MS)) <= 30_000,
      JSON.stringify(answer.focus),
    );
    const queue = answer.causes[0]?.evidence.find((e) => e.metric === 'queue time');
    assert.ok(queue && (queue.ratio ?? 0) > 50, JSON.stringify(answer.causes[0]));
  });

  it('takes an explicit baseline, and finds nothing beyond healthy variation between two healthy windows', async () => {
    const query = `from=${at(20)}&to=${at(25)}&baseline_from=${at(5)}&baseline_to=${at(20)}&model=chat`;
    const answer = (await (await get(`/api/analysis/window?${query}`)).json()) as WindowComparison;
    assert.deepEqual(answer.baseline, {
      fromUs: (START_MS + 5 * MIN_MS) * 1000,
      toUs: (START_MS + 20 * MIN_MS) * 1000,
    });
    assert.equal(answer.verdict.kind, 'inconclusive', JSON.stringify(answer.causes));
  });

  it('says what is wrong with a bad window or baseline, and keeps team tokens to their own views', async () => {
    for (const [query, message] of [
      [`from=${at(30)}&to=${at(20)}`, /to must be after from/],
      [`from=${at(30)}&baseline_from=${at(10)}`, /baseline_from and baseline_to together/],
      [
        `from=${at(30)}&baseline_from=${at(20)}&baseline_to=${at(10)}`,
        /baseline_to must be after baseline_from/,
      ],
      ['from=yesterdayish', /yesterdayish/],
    ] as const) {
      const response = await get(`/api/analysis/window?${query}`);
      assert.equal(response.status, 400, query);
      assert.match(((await response.json()) as { error: string }).error, message);
    }
    assert.equal((await get(`/api/analysis/window?from=${at(33)}`, TEAM)).status, 403);
  });
});
