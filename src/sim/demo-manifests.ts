import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FleetReplicaSpec } from './fleet.ts';
import { MODEL_CARDS } from './model-cards.ts';

/**
 * Deployment manifests for the demo's vLLM workloads (`<model>-vllm.yaml`), so that alerts in the
 * demo have something to propose changes against and a person can preview, apply and roll them
 * back. Only vLLM: the recommendations speak vLLM's engine arguments. A file that already exists
 * is left alone (it may hold a change someone applied).
 */
export function writeDemoManifests(dir: string, replicas: readonly FleetReplicaSpec[]): string[] {
  mkdirSync(dir, { recursive: true });
  const byWorkload = new Map<string, FleetReplicaSpec[]>();
  for (const r of replicas.filter((r) => r.engine === 'vllm')) {
    const workload = `${r.model}-${r.engine}`;
    byWorkload.set(workload, [...(byWorkload.get(workload) ?? []), r]);
  }
  const written: string[] = [];
  for (const [workload, members] of byWorkload) {
    const file = join(dir, `${workload}.yaml`);
    if (existsSync(file)) continue;
    const first = members[0] as FleetReplicaSpec;
    const served = MODEL_CARDS[first.model]?.servedName ?? first.model;
    writeFileSync(
      file,
      `# Written by \`kubeburner demo\`: the target its recommendations are previewed against.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${workload}
  namespace: ${first.namespace}
spec:
  replicas: ${members.length}
  selector:
    matchLabels:
      app: ${workload}
  template:
    metadata:
      labels:
        app: ${workload}
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:latest
          args:
            - --model=${served}
            - --tensor-parallel-size=${first.tensorParallel}
            - --max-num-seqs=256
            - --gpu-memory-utilization=0.90
          resources:
            limits:
              nvidia.com/gpu: ${first.tensorParallel}
`,
    );
    written.push(file);
  }
  return written;
}
