import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enginePod } from '../../../test/support/kubernetes-objects.ts';
import { createLogger } from '../../util/log.ts';
import {
  KubernetesDiscovery,
  kubernetesScrapeSchema,
  podTarget,
  type PodSource,
} from './kubernetes-discovery.ts';

const spec = kubernetesScrapeSchema.parse({ label_selector: 'app.kubernetes.io/component=llm-engine' });
const H100_SPOT = { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3', 'karpenter.sh/capacity-type': 'spot' };

describe('Kubernetes pod discovery', () => {
  it('turns a running engine pod into a target named, placed and priced as the pod', () => {
    const target = podTarget(
      enginePod({ name: 'llama-3-70b-vllm-7d9f8c6b5-x2k4q', gpus: 4 }),
      spec,
      'us-east-1',
      H100_SPOT,
    );
    assert.deepEqual(
      {
        url: target?.url,
        replica: target?.replica,
        workload: target?.workload,
        namespace: target?.namespace,
        node: target?.node,
        gpus: target?.gpu_count,
        cluster: target?.cluster,
        labels: target?.node_labels,
      },
      {
        url: 'http://10.42.0.17:8000/metrics',
        replica: 'llama-3-70b-vllm-7d9f8c6b5-x2k4q',
        workload: 'llama-3-70b-vllm', // the Deployment, not its ReplicaSet
        namespace: 'llm-serving',
        node: 'gpu-node-7',
        gpus: 4,
        cluster: 'us-east-1',
        labels: H100_SPOT,
      },
    );
  });

  it('takes the prometheus.io annotations over the config, and the model annotation', () => {
    const pod = enginePod({
      name: 'llamacpp-0',
      owner: { kind: 'StatefulSet', name: 'llamacpp' },
      annotations: {
        'prometheus.io/port': '9090',
        'prometheus.io/path': '/stats',
        'kubeburner.io/model': 'llama-3-8b',
      },
    });
    const target = podTarget(pod, { ...spec, port: 8080 }, 'c', null);
    assert.equal(target?.url, 'http://10.42.0.17:9090/stats');
    assert.equal(target?.model, 'llama-3-8b');
    assert.equal(target?.workload, 'llamacpp');
    assert.equal(
      podTarget(enginePod({ name: 'p', ip: 'fd00::17' }), spec, 'c', null)?.url,
      'http://[fd00::17]:8000/metrics',
    );
  });

  it('skips pods it cannot scrape: pending, without an IP, terminating, without a metrics port', () => {
    assert.equal(podTarget(enginePod({ name: 'p', phase: 'Pending' }), spec, 'c', null), null);
    assert.equal(podTarget(enginePod({ name: 'p', ip: null }), spec, 'c', null), null);
    assert.equal(podTarget(enginePod({ name: 'p', terminating: true }), spec, 'c', null), null);
    const noPorts = enginePod({ name: 'p' });
    noPorts.spec!.containers[0]!.ports = [{ name: 'grpc', containerPort: 9000 }];
    assert.equal(podTarget(noPorts, spec, 'c', null), null);
  });

  it('keeps the last targets when the API server cannot be reached, and skips a pod with a bad node label', async () => {
    let down = false;
    const api: PodSource = {
      pods: async () => {
        if (down) throw new Error('connect ECONNREFUSED');
        return [
          enginePod({ name: 'a', ip: '10.0.0.1' }),
          enginePod({ name: 'b', ip: '10.0.0.2', node: 'bad' }),
        ];
      },
      nodeLabels: async (name) =>
        name === 'bad' ? { 'kubeburner.io/usd-per-gpu-hour': 'cheap' } : H100_SPOT,
    };
    const discovery = new KubernetesDiscovery([spec], api, 'c', createLogger('silent'));
    assert.deepEqual(
      (await discovery.targets()).map((t) => t.replica),
      ['a'],
    );
    down = true;
    assert.deepEqual(
      (await discovery.targets()).map((t) => t.replica),
      ['a'],
    );
  });
});
