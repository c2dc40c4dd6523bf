import { SampleBuilder, familyMap, presenceScore, type EngineAdapter } from './adapter.ts';

/** DCGM prints "blank" (unsupported) fields as huge sentinels (engines.md §10.2). */
const SENTINEL = 9e18;
const MIB = 1_048_576;

/**
 * NVIDIA DCGM exporter (engines.md §10). One series per GPU; the pod using it (Kubernetes mapping)
 * becomes the replica, so GPU time joins engine metrics. GPUs no pod holds are `unassigned`.
 */
export const dcgmAdapter: EngineAdapter = {
  source: 'dcgm',

  detect(families) {
    return presenceScore(families, 'DCGM_FI_', [
      'DCGM_FI_DEV_GPU_UTIL',
      'DCGM_FI_DEV_FB_USED',
      'DCGM_FI_DEV_POWER_USAGE',
    ]);
  },

  normalize(families, context) {
    const byName = familyMap(families);
    const out = new SampleBuilder(context, 'dcgm');
    const emit = (from: string, to: string, scale = 1, extra: Record<string, string> = {}) => {
      for (const s of byName.get(from)?.samples ?? []) {
        if (Math.abs(s.value) >= SENTINEL) continue;
        const pod = s.labels.pod ?? s.labels.pod_name ?? '';
        const labels: Record<string, string> = {
          gpu: s.labels.gpu ?? '',
          uuid: s.labels.UUID ?? s.labels.uuid ?? '',
          node: s.labels.hostname ?? s.labels.Hostname ?? '',
          gpu_model: s.labels.modelName ?? '',
          pod,
          namespace: s.labels.namespace ?? s.labels.pod_namespace ?? '',
          ...extra,
        };
        out.samples.push({
          timeMs: context.timeMs,
          name: to,
          value: s.value * scale,
          cluster: context.target.cluster,
          model: context.target.model ?? 'unknown',
          replica: pod || 'unassigned',
          engine: 'dcgm',
          labels,
        });
      }
    };
    emit('DCGM_FI_DEV_GPU_UTIL', 'gpu.utilization', 0.01);
    // Prefer SM_ACTIVE when configured; GR_ENGINE_ACTIVE is in the default counters (§10.1).
    emit(
      byName.has('DCGM_FI_PROF_SM_ACTIVE') ? 'DCGM_FI_PROF_SM_ACTIVE' : 'DCGM_FI_PROF_GR_ENGINE_ACTIVE',
      'gpu.engine_active',
    );
    emit('DCGM_FI_PROF_PIPE_TENSOR_ACTIVE', 'gpu.tensor_active');
    emit('DCGM_FI_PROF_DRAM_ACTIVE', 'gpu.dram_active');
    emit('DCGM_FI_DEV_FB_USED', 'gpu.memory.used', MIB);
    emit('DCGM_FI_DEV_FB_FREE', 'gpu.memory.free', MIB);
    emit('DCGM_FI_DEV_POWER_USAGE', 'gpu.power');
    emit('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', 'gpu.energy', 0.001);
    emit('DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL', 'gpu.interconnect.bytes');
    emit('DCGM_FI_PROF_PCIE_TX_BYTES', 'gpu.pcie.bandwidth', 1, { direction: 'tx' });
    emit('DCGM_FI_PROF_PCIE_RX_BYTES', 'gpu.pcie.bandwidth', 1, { direction: 'rx' });
    return out.samples;
  },
};
