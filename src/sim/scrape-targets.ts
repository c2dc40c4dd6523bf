import { scrapeTargetSchema, type ScrapeTargetConfig } from '../collect/scrape/targets.ts';
import type { Endpoint } from './cluster.ts';
import type { Fleet } from './fleet.ts';

/**
 * Scrape targets for a simulated cluster's endpoints, labelled as a Kubernetes service discovery
 * would label them (replica, model, GPUs, namespace, workload, node, node pool).
 */
export function simScrapeTargets(
  fleet: Fleet,
  endpoints: readonly Endpoint[],
  options: { intervalS?: number; timeoutS?: number } = {},
): ScrapeTargetConfig[] {
  return endpoints.map((e) => {
    const replica = e.kind === 'engine' ? fleet.replicaByName(e.name) : undefined;
    return scrapeTargetSchema.parse({
      url: e.metricsUrl,
      cluster: e.cluster,
      replica: replica?.spec.replica,
      model: replica?.spec.model,
      gpu_type: replica?.spec.gpuType,
      gpu_count: replica?.spec.tensorParallel ?? 1,
      namespace: replica?.placement.namespace,
      workload: replica?.placement.workload,
      node: replica?.placement.node,
      node_pool: replica ? `${replica.spec.gpuType.toLowerCase()}-pool` : undefined,
      interval_s: options.intervalS ?? 2,
      timeout_s: options.timeoutS ?? 1,
      slots: e.engine === 'llamacpp',
    });
  });
}
