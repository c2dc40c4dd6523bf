import type { FaultKind } from '../../sim/faults.ts';
import type { Cause } from './compare-windows.ts';

/** The cause the analysis should name for each fault the simulator injects (its ground truth). */
export const EXPECTED_CAUSE: Record<FaultKind, Cause> = {
  queue_saturation: 'queue_saturation',
  kv_pressure: 'kv_pressure',
  cache_unfriendly_tenant: 'prefix_cache_miss',
  tp_straggler: 'tp_straggler',
  interconnect_slowdown: 'interconnect_slowdown',
  replica_crash: 'replica_unhealthy',
  batch_fragmentation: 'batch_fragmentation',
};
