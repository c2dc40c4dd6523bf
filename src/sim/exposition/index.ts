import type { EngineReplica } from '../engine.ts';
import { renderLlamacpp } from './llamacpp.ts';
import { renderSglang } from './sglang.ts';
import { renderTriton } from './triton.ts';
import { renderTrtllm } from './trtllm.ts';
import { renderVllm } from './vllm.ts';

/** The `/metrics` body of a replica in the format of the engine it imitates. */
export function renderEngineMetrics(replica: EngineReplica, nowUs: number): string {
  switch (replica.config.engine) {
    case 'vllm':
      return renderVllm(replica);
    case 'sglang':
      return renderSglang(replica, nowUs);
    case 'trtllm':
      return renderTrtllm(replica);
    case 'triton':
      return renderTriton(replica, nowUs);
    case 'llamacpp':
      return renderLlamacpp(replica, nowUs);
  }
}

/** Path where the imitated engine serves Prometheus metrics (trtllm-serve uses its own). */
export function metricsPath(engine: EngineReplica['config']['engine']): string {
  return engine === 'trtllm' ? '/prometheus/metrics' : '/metrics';
}
