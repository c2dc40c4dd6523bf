import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Fleet, type FleetReplicaSpec } from '../src/sim/fleet.ts';
import type { FaultSpec } from '../src/sim/faults.ts';

const LAYOUTS: Pick<FleetReplicaSpec, 'model' | 'engine' | 'gpuType' | 'tensorParallel'>[] = [
  { model: 'llama-3-8b', engine: 'vllm', gpuType: 'H100', tensorParallel: 1 },
  { model: 'llama-3-8b', engine: 'llamacpp', gpuType: 'L4', tensorParallel: 1 },
  { model: 'llama-3-70b', engine: 'vllm', gpuType: 'H200', tensorParallel: 2 },
  { model: 'qwen2.5-32b', engine: 'sglang', gpuType: 'H100', tensorParallel: 2 },
  { model: 'mixtral-8x7b', engine: 'trtllm', gpuType: 'A100-80GB', tensorParallel: 4 },
];

describe('cost conservation', () => {
  it('every dollar of allocated GPU time is attributed to requests or counted idle, on random fleets (0.1 %)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            layout: fc.nat(LAYOUTS.length - 1),
            kvBlocks: fc.option(fc.integer({ min: 200, max: 3000 }), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.double({ min: 0.2, max: 12, noNaN: true }),
        fc.integer({ min: 5, max: 60 }),
        fc.boolean(),
        fc.nat(),
        (replicaDraws, rate, seconds, crash, seed) => {
          const replicas: FleetReplicaSpec[] = replicaDraws.map((draw, i) => ({
            ...LAYOUTS[draw.layout]!,
            replica: `r${i}`,
            cluster: i % 2 ? 'eu' : 'us',
            namespace: 'n',
            node: `node-${i}`,
            overrides: draw.kvBlocks ? { kvBlocks: draw.kvBlocks } : {},
          }));
          const models = [...new Set(replicas.map((r) => r.model))];
          const faults: FaultSpec[] = crash
            ? [{ kind: 'replica_crash', atUs: (seconds * 1e6) / 2, durationUs: 0, replica: 'r0' }]
            : [];
          const fleet = new Fleet({
            seed,
            startUs: 0,
            replicas,
            faults,
            workload: {
              tenants: models.map((model) => ({
                tenant: model,
                team: model,
                model,
                requestsPerSecond: rate,
                families: [{ id: 'sys', systemPromptTokens: 300, weight: 1 }],
                userPromptMedian: 400,
                userPromptSigma: 1,
                outputMedian: 80,
                outputSigma: 0.8,
                maxTokens: 512,
              })),
              diurnalAmplitude: 0,
              dayUs: 86_400e6,
            },
          });
          let finishedUsd = 0;
          fleet.onFinish(
            (done) => (finishedUsd += done.cost.prefillUsd + done.cost.decodeUsd + done.cost.recomputeUsd),
          );
          const endUs = seconds * 1e6;
          fleet.runUntil(endUs);
          let allocated = 0;
          let accounted = 0;
          let attributed = 0;
          let inFlight = 0;
          for (const { engine, spec } of fleet.replicas) {
            const snapshot = engine.costSnapshot(endUs);
            allocated += snapshot.allocatedUsd;
            accounted += snapshot.attributedUsd + snapshot.inProgressUsd + snapshot.idleUsd;
            attributed += snapshot.attributedUsd;
            inFlight += engine.inFlightCostUsd();
            // The bill for this replica: GPUs × hours × price.
            const bill = spec.tensorParallel * (endUs / 3.6e9) * engine.config.usdPerGpuHour;
            assert.ok(Math.abs(snapshot.allocatedUsd - bill) <= 1e-9 * bill);
          }
          assert.ok(
            Math.abs(accounted - allocated) <= 0.001 * allocated,
            `requests + idle ${accounted} vs bill ${allocated}`,
          );
          // What was attributed went to requests: finished ones, or ones still in the engine.
          assert.ok(
            Math.abs(finishedUsd + inFlight - attributed) <= 1e-9 * Math.max(1e-12, attributed),
            `${finishedUsd} + ${inFlight} vs ${attributed}`,
          );
        },
      ),
      { numRuns: 40, seed: 2026 },
    );
  });

  it('keeps idle GPUs out of request costs: an unloaded replica is all idle', () => {
    const fleet = new Fleet({
      seed: 1,
      startUs: 0,
      replicas: [{ ...LAYOUTS[0]!, replica: 'r0', cluster: 'c', namespace: 'n', node: 'x' }],
      workload: { tenants: [], diurnalAmplitude: 0, dayUs: 86_400e6 },
    });
    fleet.runUntil(3600e6);
    const snapshot = fleet.replicas[0]!.engine.costSnapshot(3600e6);
    assert.equal(snapshot.attributedUsd, 0);
    assert.ok(
      Math.abs(snapshot.idleUsd - fleet.replicas[0]!.engine.config.usdPerGpuHour) < 1e-9,
      'one GPU idle for an hour costs one GPU-hour',
    );
  });
});
