import type { V1Pod } from '@kubernetes/client-node';
import { z } from 'zod';
import { SIGNAL_SOURCES } from '../../model/engine.ts';
import type { Logger } from '../../util/log.ts';
import { scrapeTargetSchema, type ScrapeTargetConfig, type TargetDiscovery } from './targets.ts';

/** Which pods to scrape, found through the Kubernetes API (config `collect.scrape.kubernetes`). */
export const kubernetesScrapeSchema = z.strictObject({
  /** Namespaces to look in; every namespace when empty (needs a ClusterRole). */
  namespaces: z.array(z.string().min(1)).default([]),
  /** Pods to scrape, e.g. `app.kubernetes.io/component=llm-engine`. */
  label_selector: z.string().min(1),
  /**
   * The metrics port: the pod's `prometheus.io/port` annotation wins, then this, then the
   * container port named `metrics`, then one named `http`.
   */
  port: z.number().int().min(1).max(65535).optional(),
  /** The OpenAI API port, when not the metrics port (Triton: 8000 beside metrics on 8002). */
  api_port: z.number().int().min(1).max(65535).optional(),
  /** The metrics path; the pod's `prometheus.io/path` annotation wins. */
  path: z.string().startsWith('/').default('/metrics'),
  /** Engine of every matched pod; detected from each exposition when omitted. */
  engine: z.enum(SIGNAL_SOURCES).optional(),
  interval_s: z.number().positive().default(15),
  timeout_s: z.number().positive().default(5),
});
export type KubernetesScrapeConfig = z.output<typeof kubernetesScrapeSchema>;

/** Pod annotation naming the model, for engines whose metrics do not (llama.cpp, TGI, Triton). */
export const MODEL_ANNOTATION = 'kubeburner.io/model';
const GPU_RESOURCE = 'nvidia.com/gpu';

/** What discovery needs from the API server (kubernetes-api.ts; a test may hand in pods). */
export interface PodSource {
  pods(namespace: string | null, labelSelector: string): Promise<V1Pod[]>;
  /** Labels of a node (GPU product, capacity type, node pool), or null when it cannot be read. */
  nodeLabels(name: string): Promise<Record<string, string> | null>;
}

/** The Deployment (or StatefulSet, DaemonSet…) that owns a pod: what cost is reported under. */
function workloadOf(pod: V1Pod): string | undefined {
  const owner =
    pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];
  if (!owner) return pod.metadata?.labels?.['app.kubernetes.io/name'];
  // A ReplicaSet is named <deployment>-<pod-template-hash>.
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`))
    return owner.name.slice(0, -hash.length - 1);
  return owner.name;
}

function gpuCount(pod: V1Pod): number {
  let count = 0;
  for (const c of pod.spec?.containers ?? []) {
    const limit = c.resources?.limits?.[GPU_RESOURCE] ?? c.resources?.requests?.[GPU_RESOURCE];
    if (limit !== undefined) count += Number(limit) || 0;
  }
  return Math.max(1, count);
}

function metricsPort(pod: V1Pod, spec: KubernetesScrapeConfig): number | null {
  const annotated = Number(pod.metadata?.annotations?.['prometheus.io/port']);
  if (Number.isInteger(annotated) && annotated > 0) return annotated;
  if (spec.port) return spec.port;
  const ports = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
  return (
    (ports.find((p) => p.name === 'metrics') ?? ports.find((p) => p.name === 'http'))?.containerPort ?? null
  );
}

function scrapeable(pod: V1Pod): boolean {
  return pod.status?.phase === 'Running' && !!pod.status.podIP && !pod.metadata?.deletionTimestamp;
}

/**
 * A running pod as a scrape target: its IP and metrics port, named by the pod (the name engines'
 * traces carry as `k8s.pod.name`), placed on its namespace, owning workload and node, with the
 * node's labels for the price and its GPU limits for the GPU count. Null when it cannot be scraped
 * (not running yet, terminating, no metrics port).
 */
export function podTarget(
  pod: V1Pod,
  spec: KubernetesScrapeConfig,
  cluster: string,
  nodeLabels: Record<string, string> | null,
): ScrapeTargetConfig | null {
  const port = metricsPort(pod, spec);
  if (!scrapeable(pod) || port === null) return null;
  const annotations = pod.metadata?.annotations ?? {};
  const path = annotations['prometheus.io/path'] ?? spec.path;
  const ip = pod.status?.podIP as string;
  const host = ip.includes(':') ? `[${ip}]` : ip;
  return scrapeTargetSchema.parse({
    url: `http://${host}:${port}${path}`,
    ...(spec.api_port ? { api_url: `http://${host}:${spec.api_port}` } : {}),
    ...(spec.engine ? { engine: spec.engine } : {}),
    cluster,
    replica: pod.metadata?.name,
    ...(annotations[MODEL_ANNOTATION] ? { model: annotations[MODEL_ANNOTATION] } : {}),
    gpu_count: gpuCount(pod),
    namespace: pod.metadata?.namespace,
    workload: workloadOf(pod),
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    ...(nodeLabels ? { node_labels: nodeLabels } : {}),
    interval_s: spec.interval_s,
    timeout_s: spec.timeout_s,
  });
}

/**
 * Scrape targets from the Kubernetes API: the running pods each `collect.scrape.kubernetes` entry
 * selects, listed again on every refresh so new replicas are scraped and gone ones dropped. When
 * the API server cannot be reached the last answer stands (a blip must not drop every target).
 */
export class KubernetesDiscovery implements TargetDiscovery {
  private last: ScrapeTargetConfig[] = [];

  constructor(
    private readonly specs: readonly KubernetesScrapeConfig[],
    private readonly api: PodSource,
    private readonly cluster: string,
    private readonly log: Logger,
  ) {}

  async targets(): Promise<ScrapeTargetConfig[]> {
    try {
      const found = new Map<string, ScrapeTargetConfig>();
      for (const spec of this.specs) {
        const namespaces = spec.namespaces.length > 0 ? spec.namespaces : [null];
        for (const namespace of namespaces) {
          for (const pod of await this.api.pods(namespace, spec.label_selector)) {
            const node = pod.spec?.nodeName;
            try {
              const target = podTarget(
                pod,
                spec,
                this.cluster,
                node ? await this.api.nodeLabels(node) : null,
              );
              if (target && !found.has(target.url)) found.set(target.url, target);
            } catch (err) {
              // One pod's bad annotation or node label must not hide the others.
              this.log.warn({ pod: pod.metadata?.name, err: (err as Error).message }, 'pod skipped');
            }
          }
        }
      }
      this.last = [...found.values()];
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'kubernetes discovery failed; keeping the last targets');
    }
    return this.last;
  }
}
