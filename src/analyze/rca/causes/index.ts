import { batchFragmentation } from './batch-fragmentation.ts';
import type { CauseDetector } from './context.ts';
import { errorSpike } from './error-spike.ts';
import { gatewayOverhead } from './gateway-overhead.ts';
import { kvPressure } from './kv-pressure.ts';
import { prefillBottleneck } from './prefill-bottleneck.ts';
import { prefixCacheMiss } from './prefix-cache-miss.ts';
import { queueSaturation } from './queue-saturation.ts';
import { replicaOutlier } from './replica-outlier.ts';
import { replicaUnhealthy } from './replica-unhealthy.ts';
import { slowerSteps } from './slower-steps.ts';
import { tpStraggler } from './tp-straggler.ts';

/**
 * Every cause the window analysis can name, one module each. Order breaks ties between equal
 * scores (the first registered ranks first). docs/analysis.md lists each signature.
 */
export const CAUSE_DETECTORS: readonly CauseDetector[] = [
  kvPressure,
  batchFragmentation,
  queueSaturation,
  prefixCacheMiss,
  prefillBottleneck,
  tpStraggler,
  slowerSteps,
  replicaUnhealthy,
  replicaOutlier,
  gatewayOverhead,
  errorSpike,
];
