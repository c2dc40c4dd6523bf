import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decomposeResourceSpans } from '../../normalize/decompose.ts';
import { OtlpDecodeError, decodeMetrics, decodeTraces } from './decode.ts';
import { otlpMetricsToSamples } from './metrics.ts';
import { metricSampleProblem } from '../../store/row-check.ts';
import { ENGINE_FIXTURES } from '../../../test/support/fixtures.ts';

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const TraceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const vllmJson = readFileSync(`${ENGINE_FIXTURES}/vllm/vllm-llm_request-trace-otlp-synthetic.json`, 'utf8');
const sglangJson = readFileSync(`${ENGINE_FIXTURES}/sglang/sglang-request-trace-otlp-synthetic.json`, 'utf8');

function toProtobuf(json: string): Uint8Array {
  const value = JSON.parse(json);
  for (const rs of value.resourceSpans)
    for (const ss of rs.scopeSpans)
      for (const span of ss.spans) {
        for (const key of ['traceId', 'spanId', 'parentSpanId'])
          if (span[key]) span[key] = Buffer.from(span[key], 'hex');
      }
  return TraceRequest.encode(TraceRequest.fromObject(value)).finish();
}
const protobufSamples = [toProtobuf(vllmJson), toProtobuf(sglangJson)];

/** The receiver's path after the HTTP layer: decode, then decompose. Only OtlpDecodeError may escape. */
function ingest(body: Buffer, encoding: 'protobuf' | 'json'): void {
  try {
    const resourceSpans = decodeTraces(body, encoding);
    const { decomposed, invalid } = decomposeResourceSpans(resourceSpans, { cluster: 'c' });
    for (const d of decomposed) {
      assert.equal(typeof d.request.requestId, 'string');
      for (const s of d.spans) assert.ok(Number.isFinite(s.durationUs) && s.durationUs >= 0);
    }
    assert.ok(Array.isArray(invalid));
  } catch (err) {
    if (!(err instanceof OtlpDecodeError)) throw err;
  }
  try {
    otlpMetricsToSamples(decodeMetrics(body, encoding), 'c');
  } catch (err) {
    if (!(err instanceof OtlpDecodeError)) throw err;
  }
}

const nowNanos = String(BigInt(Date.now()) * 1_000_000n);

describe('OTLP decoder fuzzing (12,000 cases)', () => {
  it('handles mutated real protobuf messages (4,000 cases)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...protobufSamples),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        (bytes, flips, cut) => {
          const copy = Buffer.from(bytes);
          for (const [at, value] of flips) copy[at % copy.length] = value;
          ingest(copy.subarray(0, Math.max(1, copy.length - (cut % 20))), 'protobuf');
        },
      ),
      { numRuns: 4000, seed: 3 },
    );
  });

  it('handles random bytes as protobuf (2,000 cases)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => ingest(Buffer.from(bytes), 'protobuf')),
      { numRuns: 2000, seed: 5 },
    );
  });

  it('handles mutated and random JSON (4,000 cases)', () => {
    const anything = fc.jsonValue({ maxDepth: 6 });
    fc.assert(
      fc.property(
        fc.oneof(anything, fc.constant(JSON.parse(vllmJson))),
        fc.string({ maxLength: 30 }),
        fc.nat(),
        (value, junk, at) => {
          const text = JSON.stringify(value);
          const position = text.length === 0 ? 0 : at % text.length;
          ingest(Buffer.from(text), 'json');
          ingest(Buffer.from(text.slice(0, position) + junk + text.slice(position)), 'json');
        },
      ),
      { numRuns: 2000, seed: 11 },
    );
    // Structurally valid JSON with the wrong types in every field.
    const wrongTypes = fc.record({
      resourceSpans: fc.array(
        fc.record({
          resource: fc.oneof(
            fc.constant(null),
            fc.record({
              attributes: fc.oneof(
                fc.constant('x'),
                fc.array(fc.record({ key: fc.string(), value: fc.jsonValue() })),
              ),
            }),
          ),
          scopeSpans: fc.oneof(
            fc.constant(7),
            fc.array(
              fc.record({
                spans: fc.oneof(
                  fc.constant({}),
                  fc.array(
                    fc.record({
                      traceId: fc.jsonValue(),
                      spanId: fc.jsonValue(),
                      name: fc.oneof(fc.constant('llm_request'), fc.constant(' Req 1a2b3c4d'), fc.string()),
                      startTimeUnixNano: fc.jsonValue(),
                      endTimeUnixNano: fc.jsonValue(),
                      attributes: fc.jsonValue(),
                    }),
                  ),
                ),
              }),
            ),
          ),
        }),
      ),
    });
    fc.assert(
      fc.property(wrongTypes, (value) => ingest(Buffer.from(JSON.stringify(value)), 'json')),
      { numRuns: 2000, seed: 13 },
    );
  });

  it('handles OTLP metrics with the wrong type in every field (2,000 cases): only valid or flagged samples', () => {
    const value = () => fc.oneof(fc.jsonValue(), fc.constant('abc'), fc.constant(1e308), fc.constant(-5));
    const point = fc.record(
      {
        attributes: fc.oneof(value(), fc.array(fc.record({ key: fc.string(), value: fc.jsonValue() }))),
        timeUnixNano: fc.oneof(value(), fc.constant(nowNanos)),
        asDouble: value(),
        asInt: value(),
        count: value(),
        sum: value(),
        bucketCounts: fc.oneof(value(), fc.array(value(), { maxLength: 5 })),
        explicitBounds: fc.oneof(value(), fc.array(value(), { maxLength: 4 })),
      },
      { requiredKeys: [] },
    );
    const points = fc.oneof(value(), fc.array(point, { maxLength: 4 }));
    const metric = fc.record(
      {
        name: fc.oneof(value(), fc.string(), fc.constant('vllm:num_requests_running')),
        gauge: fc.record({ dataPoints: points }),
        sum: fc.record({ dataPoints: points }),
        histogram: fc.record({ dataPoints: points }),
      },
      { requiredKeys: [] },
    );
    const request = fc.record({
      resourceMetrics: fc.oneof(
        value(),
        fc.array(
          fc.record({
            resource: fc.oneof(value(), fc.record({ attributes: fc.jsonValue() })),
            scopeMetrics: fc.oneof(
              value(),
              fc.array(fc.record({ metrics: fc.oneof(value(), fc.array(metric)) })),
            ),
          }),
          { maxLength: 3 },
        ),
      ),
    });
    const nowUs = Date.now() * 1000;
    let storable = 0;
    fc.assert(
      fc.property(request, (body) => {
        try {
          const { samples } = otlpMetricsToSamples(
            decodeMetrics(Buffer.from(JSON.stringify(body)), 'json'),
            'c',
          );
          // What comes out is either storable or turned away by the row check with a reason — never a throw later.
          for (const sample of samples) {
            if (metricSampleProblem(sample, nowUs) !== null) continue;
            assert.ok(Number.isFinite(sample.value), `stored value ${sample.value}`);
            storable++;
          }
        } catch (err) {
          if (!(err instanceof OtlpDecodeError)) throw err;
        }
      }),
      { numRuns: 2000, seed: 17 },
    );
    assert.ok(storable > 100, `only ${storable} storable samples came out: the generator is too wild`);
  });
});
