import type { V1Pod } from '@kubernetes/client-node';
import type { PodSource } from './kubernetes-discovery.ts';

const NODE_LABELS_TTL_MS = 5 * 60_000;

/**
 * Pods and node labels from the Kubernetes API through the official client: in a pod, the service
 * account's token and CA (in-cluster config); elsewhere `$KUBECONFIG` or ~/.kube/config. Loaded
 * only when discovery is configured (the client is large). Node labels change rarely: cached.
 */
export async function kubernetesApi(): Promise<PodSource> {
  const { CoreV1Api, KubeConfig } = await import('@kubernetes/client-node');
  const config = new KubeConfig();
  try {
    config.loadFromDefault();
  } catch (err) {
    throw new Error(
      `collect.scrape.kubernetes: cannot load Kubernetes credentials (in-cluster service account, $KUBECONFIG or ~/.kube/config): ${(err as Error).message}`,
      { cause: err },
    );
  }
  const core = config.makeApiClient(CoreV1Api);
  const nodes = new Map<string, { labels: Record<string, string> | null; atMs: number }>();
  return {
    async pods(namespace: string | null, labelSelector: string): Promise<V1Pod[]> {
      const list = namespace
        ? await core.listNamespacedPod({ namespace, labelSelector })
        : await core.listPodForAllNamespaces({ labelSelector });
      return list.items;
    },
    async nodeLabels(name: string): Promise<Record<string, string> | null> {
      const cached = nodes.get(name);
      if (cached && Date.now() - cached.atMs < NODE_LABELS_TTL_MS) return cached.labels;
      // Without permission to read nodes, targets still work, only unpriced by node labels.
      const labels = await core
        .readNode({ name })
        .then((node) => node.metadata?.labels ?? {})
        .catch(() => null);
      nodes.set(name, { labels, atMs: Date.now() });
      return labels;
    },
  };
}
