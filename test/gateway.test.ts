import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import { configSchema } from '../src/config/schema.ts';
import { Gateway, type GatewayRecord } from '../src/gateway/gateway.ts';
import { hashApiKey } from '../src/gateway/tenants.ts';
import { chatStreamEvents, ScriptedUpstream } from './support/scripted-upstream.ts';

const KEY = 'sk-test-search';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function gatewayConfig(upstreams: { name: string; url: string }[], tenants: unknown[] = []) {
  return configSchema.parse({
    gateway: {
      port: 0,
      upstreams: upstreams.map((u) => ({ ...u, models: ['m'] })),
      tenants,
      routing: { retries: 1 },
      health: { interval: '1h' },
    },
  }).gateway;
}

async function chat(base: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

describe('gateway: streaming pass-through', () => {
  const upstream = new ScriptedUpstream();
  let gateway: Gateway;
  let base: string;
  const records: GatewayRecord[] = [];

  before(async () => {
    await upstream.start();
    gateway = new Gateway({
      config: gatewayConfig([{ name: 'a', url: upstream.url }]),
      onRecord: (r) => void records.push(r),
    });
    base = await gateway.listen();
  });
  after(async () => {
    await gateway.close();
    await upstream.stop();
  });
  beforeEach(() => {
    records.length = 0;
    upstream.seen.length = 0;
  });

  const streamEvents = (events: string[], gapMs: number) => async (_: unknown, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-engine': 'scripted' });
    for (const e of events) {
      res.write(e);
      await sleep(gapMs);
    }
    res.end();
  };

  it('passes the stream through byte for byte, chunk by chunk, when the client asked for usage', async () => {
    const events = chatStreamEvents(['Hel', 'lo', ' wör', 'ld 🙂'], true);
    upstream.handler = streamEvents(events, 30);
    const response = await chat(base, { stream: true, stream_options: { include_usage: true } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-engine'), 'scripted');
    const arrivals: number[] = [];
    const chunks: Buffer[] = [];
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      arrivals.push(performance.now());
      chunks.push(Buffer.from(chunk));
    }
    assert.equal(Buffer.concat(chunks).toString('utf8'), events.join(''));
    // Not buffered: the client saw the events spread over the upstream's pacing.
    assert.ok(chunks.length >= events.length - 1, `${chunks.length} chunks for ${events.length} events`);
    assert.ok((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0) >= 30 * (events.length - 2));
    assert.deepEqual(upstream.seen[0]?.body.stream_options, { include_usage: true });
    const [record] = records;
    assert.equal(record?.usage?.completionTokens, 4);
    assert.equal(record?.usage?.cachedTokens, 8);
    assert.equal(record?.events, events.length - 1);
    assert.ok(record && record.firstTokenMs !== null && record.firstByteMs !== null);
    assert.ok((record?.firstTokenMs ?? 0) >= (record?.firstByteMs ?? 0));
    assert.ok((record?.meanGapMs ?? 0) >= 25);
  });

  it('asks upstream for usage when the client did not, and strips it back out', async () => {
    const events = chatStreamEvents(['a', 'b'], true);
    upstream.handler = streamEvents(events, 5);
    const response = await chat(base, { stream: true });
    const text = await response.text();
    assert.deepEqual(upstream.seen[0]?.body.stream_options, { include_usage: true });
    assert.equal(text, events.filter((e) => !e.includes('"usage"')).join(''));
    assert.equal(records[0]?.usage?.promptTokens, 12);
  });

  it('passes a non-streaming body through and reads its usage', async () => {
    const body = JSON.stringify({
      id: 'x',
      choices: [{ message: { content: 'hi' } }],
      usage: { prompt_tokens: 3, completion_tokens: 1 },
    });
    upstream.handler = (_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    };
    const response = await chat(base, {});
    assert.equal(await response.text(), body);
    assert.equal(records[0]?.usage?.completionTokens, 1);
  });

  it('cancels the upstream request when the client disconnects', async () => {
    upstream.handler = streamEvents(
      chatStreamEvents(
        Array.from({ length: 200 }, () => 'x'),
        true,
      ),
      20,
    );
    const abort = new AbortController();
    const response = await chat(base, { stream: true }, {});
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    abort.abort();
    await reader.cancel();
    const seen = upstream.seen[0];
    assert.ok(seen);
    await Promise.race([
      seen.aborted,
      sleep(2000).then(() => assert.fail('upstream request was not cancelled')),
    ]);
    await sleep(50);
    assert.equal(records[0]?.status, 'cancelled');
  });

  it('stops reading from the upstream while a slow client catches up, and loses nothing', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const total = 1024; // chunks: 64 MiB, more than loopback socket buffers hold on the way
    let handedOver = 0; // chunks the upstream's socket accepted
    upstream.handler = async (_, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < total; i++) {
        const ok = res.write(chunk);
        handedOver++;
        if (!ok) await new Promise((r) => res.once('drain', r));
      }
      res.end();
    };
    const response = await chat(base, {});
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await sleep(400); // the client reads nothing for a while
    const progressWhilePaused = handedOver / total;
    let received = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.length;
    }
    assert.equal(received, total * chunk.length);
    // Had the gateway kept reading into memory, the upstream would have finished in 400 ms.
    assert.ok(progressWhilePaused < 0.5, `upstream got ${(progressWhilePaused * 100).toFixed(0)} % out`);
    assert.equal(records[0]?.status, 'ok');
  });

  it('propagates W3C traceparent: same trace, a new parent span', async () => {
    upstream.handler = (_, res) => res.end('{}');
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await (await chat(base, {}, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` })).text();
    const sent = String(upstream.seen[0]?.headers.traceparent);
    assert.match(sent, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    assert.ok(!sent.includes('00f067aa0ba902b7'));
    assert.equal(records[0]?.traceId, traceId);
    assert.equal(records[0]?.parentSpanId, '00f067aa0ba902b7');
  });

  it('keeps serving when telemetry throws (fail-open)', async () => {
    const failing = new Gateway({
      config: gatewayConfig([{ name: 'a', url: upstream.url }]),
      onRecord: () => {
        throw new Error('store down');
      },
    });
    const url = await failing.listen();
    try {
      upstream.handler = (_, res) => res.end('{"ok":true}');
      const response = await chat(url, {});
      assert.equal(await response.text(), '{"ok":true}');
      assert.equal(failing.stats.recordErrors, 1);
    } finally {
      await failing.close();
    }
  });

  it('lists the models it routes and refuses unknown paths in the OpenAI error shape', async () => {
    const models = (await (await fetch(`${base}/v1/models`)).json()) as { data: { id: string }[] };
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['m'],
    );
    const unknown = await fetch(`${base}/v1/nope`, { method: 'POST' });
    assert.equal(unknown.status, 404);
    const body = (await unknown.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'unknown_url');
    const bad = await fetch(`${base}/v1/chat/completions`, { method: 'POST', body: 'not json' });
    assert.equal(bad.status, 400);
  });
});

describe('gateway: an answer ends only once its record is durable', () => {
  const upstream = new ScriptedUpstream();
  let gateway: Gateway;
  let base: string;
  /** Resolves the durability of the latest record (the test plays the spool's fsync). */
  let makeDurable: () => void = () => {};

  before(async () => {
    await upstream.start();
    gateway = new Gateway({
      config: gatewayConfig([{ name: 'a', url: upstream.url }]),
      onRecord: () => new Promise<void>((resolve) => (makeDurable = resolve)),
    });
    base = await gateway.listen();
  });
  after(async () => {
    await gateway.close();
    await upstream.stop();
  });

  /** Asks and reads the answer; returns its text and whether it completed before `makeDurable()`. */
  async function readBeforeAndAfter(
    body: Record<string, unknown>,
  ): Promise<{ text: string; early: boolean }> {
    // Not awaited: with all of a whole answer held back, even its headers wait for the record.
    const reading = chat(base, body)
      .then((response) => response.text())
      .then((text) => ({ text, at: performance.now() }));
    await sleep(150); // the upstream has long finished: only the durability wait holds the end
    const durableAt = performance.now();
    makeDurable();
    const { text, at } = await reading;
    return { text, early: at < durableAt };
  }

  it('holds back the stream from its [DONE] on, and nothing before it', async () => {
    const events = chatStreamEvents(['a', 'b'], true);
    upstream.handler = async (_, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const e of events) {
        res.write(e);
        await sleep(10);
      }
      res.end();
    };
    const response = await chat(base, { stream: true, stream_options: { include_usage: true } });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read(); // tokens flow at once: only the end waits
    assert.ok(!first.done && Buffer.from(first.value).toString().startsWith('data: '));

    let text = Buffer.from(first.value ?? []).toString();
    const rest = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += Buffer.from(value).toString();
      }
    })();
    await sleep(150);
    const sawDoneEarly = text.includes('[DONE]');
    makeDurable();
    await rest;
    assert.equal(sawDoneEarly, false, 'the client saw [DONE] before the record was durable');
    assert.equal(text, events.join(''));
  });

  it('holds back the last bytes of a whole answer with a content-length', async () => {
    const body = JSON.stringify({
      choices: [{ message: { content: 'hi' } }],
      usage: { prompt_tokens: 3, completion_tokens: 1 },
    });
    upstream.handler = (_, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    const { text, early } = await readBeforeAndAfter({});
    assert.equal(early, false, 'the client had the whole answer before the record was durable');
    assert.equal(text, body);
  });

  it('holds back the end of a chunked whole answer', async () => {
    upstream.handler = (_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"choices":[],');
      res.end('"usage":{"prompt_tokens":3,"completion_tokens":1}}');
    };
    const { text, early } = await readBeforeAndAfter({});
    assert.equal(early, false);
    assert.match(text, /"usage"/);
  });
});

describe('gateway: tenant policy', () => {
  const upstream = new ScriptedUpstream();
  let gateway: Gateway;
  let base: string;
  let spentUsd = 0;

  before(async () => {
    await upstream.start();
    upstream.handler = (_, res) => res.end('{"usage":{"prompt_tokens":250,"completion_tokens":50}}');
    const tenants = [
      {
        name: 'search',
        team: 'search',
        key_sha256: [hashApiKey(KEY)],
        models: ['m'],
        requests_per_minute: 3,
        max_tokens: 100,
        monthly_budget_usd: 10,
      },
      {
        name: 'strict',
        team: 'x',
        key_sha256: [hashApiKey('sk-strict')],
        max_tokens: 100,
        strict_max_tokens: true,
        tokens_per_minute: 500,
      },
    ];
    gateway = new Gateway({
      config: gatewayConfig([{ name: 'a', url: upstream.url }], tenants),
      spend: { spentUsd: (t) => (t === 'search' ? spentUsd : 0), spentTokens: () => 0 },
    });
    base = await gateway.listen();
  });
  after(async () => {
    await gateway.close();
    await upstream.stop();
  });

  const error = async (response: Response) =>
    ((await response.json()) as { error: { code: string; message: string; type: string } }).error;

  it('refuses a missing or wrong key with 401', async () => {
    const none = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm' }),
    });
    assert.equal(none.status, 401);
    assert.equal((await error(none)).code, 'missing_api_key');
    const wrong = await chat(base, {}, { authorization: 'Bearer sk-nope' });
    assert.equal(wrong.status, 401);
    assert.equal((await error(wrong)).code, 'invalid_api_key');
    // The key is checked before the body is read: 16 MB of non-JSON from a stranger is a 401.
    const junk = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-nope' },
      body: Buffer.alloc(16 * 1024 * 1024 - 1, 0x7b),
    });
    assert.equal(junk.status, 401);
    assert.equal((await error(junk)).code, 'invalid_api_key');
    assert.equal(upstream.seen.length, 0, 'nothing reached the engine');
  });

  it('refuses a model outside the tenant’s allow-list with 403', async () => {
    const response = await chat(base, { model: 'other' });
    assert.equal(response.status, 403);
    assert.match((await error(response)).message, /may not use model "other"; allowed: m/);
  });

  it('caps max_tokens, or refuses it with 400 when the tenant is strict', async () => {
    upstream.seen.length = 0;
    await (await chat(base, { max_tokens: 5000 })).text();
    assert.equal(upstream.seen[0]?.body.max_tokens, 100);
    assert.equal(upstream.seen[0]?.headers['x-kubeburner-tenant'], 'search');
    const strict = await chat(base, { max_tokens: 5000 }, { authorization: 'Bearer sk-strict' });
    assert.equal(strict.status, 400);
    assert.match((await error(strict)).message, /max_tokens 5000 is above tenant strict's limit of 100/);
  });

  it('refuses past requests per minute with 429 and Retry-After', async () => {
    // The cap test used one of the 3; two more pass, the next is refused.
    for (let i = 0; i < 2; i++) assert.equal((await chat(base, {})).status, 200);
    const limited = await chat(base, {});
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal((await error(limited)).code, 'rate_limit_exceeded');
  });

  it('refuses past tokens per minute with 429, and a request bigger than the limit outright', async () => {
    const prompt = (tokens: number) => ({
      messages: [{ role: 'user', content: 'abcd'.repeat(tokens) }],
      max_tokens: 50,
    });
    const strict = { authorization: 'Bearer sk-strict' };
    // ~300 tokens each (prompt + max_tokens) against 500 a minute: the first fits, the second waits.
    assert.equal((await chat(base, prompt(250), strict)).status, 200);
    const limited = await chat(base, prompt(250), strict);
    assert.equal(limited.status, 429);
    assert.equal((await error(limited)).code, 'tokens_rate_limit_exceeded');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    const huge = await chat(base, prompt(2000), strict);
    assert.equal(huge.status, 429);
    assert.match((await error(huge)).message, /reserves 2\d{3} tokens, over the limit of 500 per minute/);
  });

  it('refuses once the monthly budget is spent, until next month', async () => {
    spentUsd = 10;
    const other = await chat(base, {}, { authorization: 'Bearer sk-strict' });
    const otherBody = (await other.json()) as { error?: { code: string } };
    assert.notEqual(otherBody.error?.code, 'monthly_budget_exceeded', 'another tenant is unaffected');
    const response = await chat(base, {});
    assert.equal(response.status, 429);
    const body = await error(response);
    assert.equal(body.type, 'insufficient_quota');
    assert.match(body.message, /spent its monthly budget of \$10/);
    assert.ok(Number(response.headers.get('retry-after')) > 0);
  });

  it('exports its own Prometheus metrics: requests by tenant, model, outcome and status', async () => {
    // A model no replica serves is the client's free text: it must not become a label value.
    for (const model of ['nope-1', 'nope-2']) await (await chat(base, { model })).text();
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.doesNotMatch(text, /nope-/);
    assert.match(text, /kubeburner_gateway_requests_total\{tenant="[^"]*",model="\(unserved\)"/);
    assert.match(
      text,
      /kubeburner_gateway_requests_total\{tenant="search",model="m",status="ok",code="200"\} [1-9]/,
    );
    assert.match(
      text,
      // An unauthenticated request's model is never read: its label stays empty.
      /kubeburner_gateway_requests_total\{tenant="",model="",status="rejected",code="401"\} [1-9]/,
    );
    assert.match(text, /kubeburner_gateway_upstream_healthy\{upstream="a"\} 1/);
    assert.match(text, /kubeburner_gateway_overhead_seconds_count [1-9]/);
  });
});

describe('gateway: priority class to engines that schedule by it', () => {
  const plain = new ScriptedUpstream();
  const prioritized = new ScriptedUpstream();
  let gateway: Gateway;
  let base: string;

  before(async () => {
    await Promise.all([plain.start(), prioritized.start()]);
    const config = configSchema.parse({
      gateway: {
        port: 0,
        upstreams: [
          { name: 'plain', url: plain.url, models: ['plain-m'] },
          { name: 'prio', url: prioritized.url, models: ['prio-m'], priority_field: true },
        ],
        tenants: [
          { name: 'vip', team: 'x', key_sha256: [hashApiKey('sk-vip')], priority: 'high' },
          { name: 'batch', team: 'x', key_sha256: [hashApiKey('sk-batch')], priority: 'low' },
        ],
        health: { interval: '1h' },
      },
    }).gateway;
    gateway = new Gateway({ config });
    base = await gateway.listen();
  });
  after(async () => {
    await gateway.close();
    await Promise.all([plain.stop(), prioritized.stop()]);
  });

  it('sets vLLM’s numeric priority only where the upstream opts in, and keeps a client’s own', async () => {
    const send = (model: string, key: string, extra: Record<string, unknown> = {}) =>
      chat(base, { model, ...extra }, { authorization: `Bearer ${key}` }).then((r) => r.text());
    await send('prio-m', 'sk-vip');
    await send('prio-m', 'sk-batch');
    await send('prio-m', 'sk-batch', { priority: 5 });
    await send('plain-m', 'sk-vip');
    assert.deepEqual(
      prioritized.seen.map((s) => s.body.priority),
      [-1, 1, 5],
    );
    assert.equal(plain.seen[0]?.body.priority, undefined, 'an engine without priority scheduling gets none');
    assert.equal(plain.seen[0]?.headers['x-kubeburner-priority'], 'high');
  });
});

describe('gateway: retries before the first byte', () => {
  const a = new ScriptedUpstream();
  const b = new ScriptedUpstream();
  before(async () => {
    await a.start();
    await b.start();
  });
  after(async () => {
    await a.stop();
    await b.stop();
  });

  it('retries a 5xx on another replica and marks the failing one', async () => {
    a.handler = (_, res) => {
      res.writeHead(503);
      res.end('overloaded');
    };
    b.handler = (_, res) => res.end('{"from":"b"}');
    const gateway = new Gateway({
      config: gatewayConfig([
        { name: 'a', url: a.url },
        { name: 'b', url: b.url },
      ]),
    });
    const base = await gateway.listen();
    try {
      for (let i = 0; i < 4; i++) assert.equal(await (await chat(base, {})).text(), '{"from":"b"}');
      assert.ok(gateway.stats.retried >= 1);
      assert.ok((gateway.upstreams[0]?.failures ?? 0) >= 1);
    } finally {
      await gateway.close();
    }
  });

  it('gives up on a replica that does not answer within upstream_timeout, tries the next, then answers 502', async () => {
    a.seen.length = 0;
    b.seen.length = 0;
    a.handler = () => undefined; // never answers
    b.handler = () => undefined;
    const records: GatewayRecord[] = [];
    const config = gatewayConfig([
      { name: 'a', url: a.url },
      { name: 'b', url: b.url },
    ]);
    const gateway = new Gateway({
      config: { ...config, upstream_timeout: '300ms' },
      onRecord: (r) => void records.push(r),
    });
    const base = await gateway.listen();
    try {
      const started = performance.now();
      const response = await chat(base, {});
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(response.status, 502);
      assert.equal(body.error.code, 'upstream_error');
      assert.match(body.error.message, /HEADERS_TIMEOUT.*2 attempt/);
      assert.ok(performance.now() - started >= 550, 'each replica had its 300 ms');
      assert.equal(a.seen.length + b.seen.length, 2);
      assert.equal(records[0]?.status, 'timeout');
      assert.equal(records[0]?.attempts, 2);
    } finally {
      await gateway.close();
    }
  });

  it('retries a refused connection on another replica', async () => {
    b.handler = (_, res) => res.end('{"from":"b"}');
    const gateway = new Gateway({
      config: gatewayConfig([
        { name: 'dead', url: 'http://127.0.0.1:9' },
        { name: 'b', url: b.url },
      ]),
    });
    const base = await gateway.listen();
    try {
      for (let i = 0; i < 3; i++) assert.equal(await (await chat(base, {})).text(), '{"from":"b"}');
    } finally {
      await gateway.close();
    }
  });

  it('does not retry once bytes reached the client: the stream breaks instead of being duplicated', async () => {
    a.seen.length = 0;
    b.seen.length = 0;
    const half = chatStreamEvents(['one', 'two'], false).slice(0, 2).join('');
    a.handler = (_, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(half);
      setTimeout(() => res.destroy(), 30);
    };
    b.handler = a.handler;
    const records: GatewayRecord[] = [];
    const gateway = new Gateway({
      config: gatewayConfig([
        { name: 'a', url: a.url },
        { name: 'b', url: b.url },
      ]),
      onRecord: (r) => void records.push(r),
    });
    const base = await gateway.listen();
    try {
      const response = await chat(base, { stream: true });
      await assert.rejects(response.text());
      await sleep(50);
      assert.equal(a.seen.length + b.seen.length, 1, 'one attempt only');
      assert.equal(records[0]?.attempts, 1);
      assert.equal(records[0]?.status, 'error');
    } finally {
      await gateway.close();
    }
  });

  it('ejects a replica whose health checks fail, and takes it back when they pass', async () => {
    let aHealthy = false;
    a.handler = (req, res) => {
      if (req.path === '/health') {
        res.writeHead(aHealthy ? 200 : 503);
        return res.end();
      }
      res.end('{"from":"a"}');
    };
    b.handler = (req, res) => res.end(req.path === '/health' ? '' : '{"from":"b"}');
    const config = configSchema.parse({
      gateway: {
        upstreams: [
          { name: 'a', url: a.url, models: ['m'] },
          { name: 'b', url: b.url, models: ['m'] },
        ],
        health: { interval: '20ms', eject_after_failures: 2, eject_for: '1h' },
      },
    }).gateway;
    const gateway = new Gateway({ config });
    const base = await gateway.listen(0, '127.0.0.1');
    try {
      await sleep(150);
      const answers = await Promise.all(Array.from({ length: 6 }, async () => (await chat(base, {})).text()));
      assert.deepEqual(new Set(answers), new Set(['{"from":"b"}']));
      aHealthy = true;
      await sleep(150);
      const later = await Promise.all(Array.from({ length: 6 }, async () => (await chat(base, {})).text()));
      assert.ok(later.includes('{"from":"a"}'), 'back in rotation once healthy');
    } finally {
      await gateway.close();
    }
  });

  it('answers 503 with Retry-After when the replicas of a model are all ejected, 404 for a model none serves', async () => {
    const gateway = new Gateway({ config: gatewayConfig([{ name: 'a', url: a.url }]) });
    const base = await gateway.listen();
    try {
      gateway.upstreams[0]?.recordFailure(Date.now(), 1, 60_000);
      const response = await chat(base, { model: 'm' });
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '1');
      const unknown = await chat(base, { model: 'unknown-model' });
      assert.equal(unknown.status, 404);
      assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'model_not_found');
    } finally {
      await gateway.close();
    }
  });
});

describe('gateway: upstreams that come and go (discovery)', () => {
  const a = new ScriptedUpstream();
  const b = new ScriptedUpstream();
  before(async () => {
    await a.start();
    await b.start();
    a.handler = (_, res) => res.end('{"from":"a"}');
    b.handler = (_, res) => res.end('{"from":"b"}');
  });
  after(async () => {
    await a.stop();
    await b.stop();
  });

  it('routes to a replica once added, stops once removed, and keeps the state of those that stay', async () => {
    const gateway = new Gateway({ config: gatewayConfig([{ name: 'a', url: a.url }]) });
    const base = await gateway.listen();
    const from = async () => ((await (await chat(base, {})).json()) as { from: string }).from;
    try {
      assert.equal(await from(), 'a');
      const [first] = gateway.upstreams;
      const spec = (name: string, url: string) => ({ name, url, models: ['m'] });
      assert.deepEqual(gateway.setUpstreams([spec('a', a.url), spec('b', b.url)]), {
        added: ['b'],
        removed: [],
      });
      assert.equal(gateway.upstreams[0], first, 'the same upstream, with its counters');
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) seen.add(await from());
      assert.deepEqual([...seen].sort(), ['a', 'b']);
      assert.deepEqual(gateway.setUpstreams([spec('b', b.url)]), { added: [], removed: ['a'] });
      for (let i = 0; i < 4; i++) assert.equal(await from(), 'b');
      const models = (await (await fetch(`${base}/v1/models`)).json()) as { data: { id: string }[] };
      assert.deepEqual(
        models.data.map((m) => m.id),
        ['m'],
      );
      gateway.setUpstreams([]);
      const none = await chat(base, {});
      assert.equal(none.status, 404, 'no replica serves the model: it is not found');
    } finally {
      await gateway.close();
    }
  });
});
