import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gpuTypeFromProduct, nodeFacts } from './node-labels.ts';

describe('prices and GPUs from Kubernetes node labels', () => {
  it('maps GPU Feature Discovery product names to price-book GPU types', () => {
    assert.equal(gpuTypeFromProduct('NVIDIA-H100-80GB-HBM3'), 'H100');
    assert.equal(gpuTypeFromProduct('NVIDIA-H200'), 'H200');
    assert.equal(gpuTypeFromProduct('NVIDIA-A100-SXM4-80GB'), 'A100-80GB');
    assert.equal(gpuTypeFromProduct('NVIDIA-A100-SXM4-40GB'), 'A100-40GB');
    assert.equal(gpuTypeFromProduct('NVIDIA-A100-PCIE'), 'A100', 'no size: left ambiguous, so unpriced');
    assert.equal(gpuTypeFromProduct('NVIDIA-L4'), 'L4');
    assert.equal(gpuTypeFromProduct('NVIDIA-L40S'), 'L40S');
    assert.equal(
      gpuTypeFromProduct('AMD-MI300X'),
      'AMD-MI300X',
      'unknown products pass through (and stay unpriced)',
    );
  });

  it('reads a Karpenter spot node with an explicit contract price', () => {
    assert.deepEqual(
      nodeFacts({
        'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3',
        'karpenter.sh/capacity-type': 'spot',
        'karpenter.sh/nodepool': 'gpu-h100',
        'kubeburner.io/usd-per-gpu-hour': '2.35',
      }),
      { gpuType: 'H100', pricingKind: 'spot', usdPerGpuHour: 2.35, nodePool: 'gpu-h100' },
    );
  });

  it('reads EKS, GKE and AKS capacity labels', () => {
    assert.equal(nodeFacts({ 'eks.amazonaws.com/capacityType': 'ON_DEMAND' }).pricingKind, 'on_demand');
    assert.equal(nodeFacts({ 'eks.amazonaws.com/capacityType': 'CAPACITY_BLOCK' }).pricingKind, 'reserved');
    assert.equal(nodeFacts({ 'cloud.google.com/gke-spot': 'true' }).pricingKind, 'spot');
    assert.equal(nodeFacts({ 'kubernetes.azure.com/scalesetpriority': 'spot' }).pricingKind, 'spot');
    assert.equal(nodeFacts({ 'cloud.google.com/gke-nodepool': 'a3-pool' }).nodePool, 'a3-pool');
    assert.deepEqual(nodeFacts({}), {});
  });

  it('refuses a price label that is not a positive number, naming the label', () => {
    assert.throws(
      () => nodeFacts({ 'kubeburner.io/usd-per-gpu-hour': 'cheap' }),
      /kubeburner.io\/usd-per-gpu-hour.*"cheap"/,
    );
  });
});
