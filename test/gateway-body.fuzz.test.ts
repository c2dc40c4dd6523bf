import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { configSchema } from '../src/config/schema.ts';
import { Gateway, type GatewayRecord } from '../src/gateway/gateway.ts';
import { gatewayRecordToRequest } from '../src/gateway/telemetry.ts';
import { hashApiKey } from '../src/gateway/tenants.ts';
import { checkRequestRow } from '../src/store/row-check.ts';
import { ScriptedUpstream } from './support/scripted-upstream.ts';

/**
 * Any body a client sends — any JSON, any types in model, messages, max_tokens, stream, or not
 * JSON at all — gets an answer a client can act on (the engine's, or a 4xx naming the problem),
 * never a 5xx from the gateway itself, and leaves a record the store can take.
 */
const SEED = Number(process.env.KUBEBURNER_FUZZ_SEED ?? Date.now() % 1_000_000);
const KEY = 'sk-fuzz';

const field = fc.oneof(fc.jsonValue(), fc.constant(undefined));
const body = fc.oneof(
  fc
    .record(
      {
        model: fc.oneof(fc.constantFrom('m', 'other'), field),
        messages: fc.oneof(
          fc.array(
            fc.record({ role: fc.constantFrom('user', 'system'), content: fc.oneof(fc.string(), field) }),
          ),
          field,
        ),
        prompt: field,
        input: field,
        max_tokens: fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.double(), field),
        stream: fc.oneof(fc.boolean(), field),
        stream_options: field,
        user: field,
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value)),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
);

describe(`gateway request bodies, fuzzed (seed ${SEED}; KUBEBURNER_FUZZ_SEED replays)`, () => {
  const upstream = new ScriptedUpstream();
  let gateway: Gateway;
  let base: string;
  const records: GatewayRecord[] = [];

  before(async () => {
    await upstream.start();
    upstream.handler = (req, res: ServerResponse) => {
      const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };
      if (req.body.stream === true) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(
          `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'hi' } }] })}\n\n` +
            `data: ${JSON.stringify({ choices: [], usage })}\n\ndata: [DONE]\n\n`,
        );
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'hi' } }], usage }),
        );
      }
    };
    const config = configSchema.parse({
      gateway: {
        port: 0,
        upstreams: [{ name: 'a', url: upstream.url, models: ['m'] }],
        tenants: [
          { name: 'fuzz', team: 'qa', key_sha256: [hashApiKey(KEY)], requests_per_minute: 1_000_000 },
        ],
        health: { interval: '1h' },
      },
    }).gateway;
    gateway = new Gateway({ config, onRecord: (r) => void records.push(r) });
    base = await gateway.listen();
  });
  after(async () => {
    await gateway.close();
    await upstream.stop();
  });

  it('answers every body with the engine’s answer or a 4xx, and records what the store can take', async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom('/v1/chat/completions', '/v1/completions', '/v1/embeddings'),
        async (text, path) => {
          const response = await fetch(`${base}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
            body: text,
          });
          const answer = await response.text();
          assert.ok(
            response.status < 500,
            `${path} ${text.slice(0, 200)} → ${response.status} ${answer.slice(0, 200)}`,
          );
        },
      ),
      { numRuns: 10_000, seed: SEED, interruptAfterTimeLimit: 240_000 },
    );
    const nowUs = Date.now() * 1000;
    const unstorable = records
      .map((r) => checkRequestRow(gatewayRecordToRequest(r, { cluster: 'c' }), nowUs))
      .filter((c) => 'problem' in c);
    assert.deepEqual(unstorable, []);
    assert.ok(records.length > 1000, `${records.length} records`);
  });
});
