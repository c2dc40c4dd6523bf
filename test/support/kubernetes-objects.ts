import type { V1Pod } from '@kubernetes/client-node';

/**
 * Pods as the Kubernetes API returns them (JSON), for discovery tests: a vLLM replica of a
 * Deployment (owned through its ReplicaSet), with GPU limits, a named port and the node it runs on.
 */
export function enginePod(fields: {
  name: string;
  namespace?: string;
  ip?: string | null;
  port?: number;
  phase?: string;
  gpus?: number;
  node?: string;
  annotations?: Record<string, string>;
  owner?: { kind: string; name: string };
  terminating?: boolean;
}): V1Pod {
  const hash = '7d9f8c6b5';
  const owner = fields.owner ?? { kind: 'ReplicaSet', name: `llama-3-70b-vllm-${hash}` };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: fields.name,
      namespace: fields.namespace ?? 'llm-serving',
      labels: { 'app.kubernetes.io/component': 'llm-engine', 'pod-template-hash': hash },
      ...(fields.annotations ? { annotations: fields.annotations } : {}),
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: 'u-1', controller: true },
      ],
      ...(fields.terminating ? { deletionTimestamp: new Date('2026-12-05T00:00:00Z') } : {}),
    },
    spec: {
      nodeName: fields.node ?? 'gpu-node-7',
      containers: [
        {
          name: 'vllm',
          image: 'vllm/vllm-openai:v0.11.0',
          ports: [{ name: 'http', containerPort: fields.port ?? 8000 }],
          resources: { limits: { 'nvidia.com/gpu': String(fields.gpus ?? 1) } },
        },
      ],
    },
    status: {
      phase: fields.phase ?? 'Running',
      ...(fields.ip === null ? {} : { podIP: fields.ip ?? '10.42.0.17' }),
    },
  };
}
