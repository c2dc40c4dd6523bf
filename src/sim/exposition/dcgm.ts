import type { EngineReplica } from '../engine.ts';
import { GPUS, type GpuType } from '../hardware.ts';
import { ExpositionWriter, type Labels } from './prom-text.ts';

/** One physical GPU of a simulated node, and the replica (pod) using it, if any. */
export interface SimGpu {
  index: number;
  uuid: string;
  pciBusId: string;
  type: GpuType;
  replica?: EngineReplica;
  /** Position within the replica's tensor-parallel group. */
  tpRank?: number;
  pod?: { name: string; namespace: string; container: string };
}

interface GpuSample {
  atUs: number;
  busySeconds: number;
  prefillSeconds: number;
  decodeSeconds: number;
  interconnectBytes: number;
  energyMillijoules: number;
  nvlinkCounter: number;
  /** Share of time any kernel ran (DCGM_FI_DEV_GPU_UTIL); NCCL waits count as running. */
  coarse: number;
  /** Share of time the graphics engine did work (DCGM_FI_PROF_GR_ENGINE_ACTIVE). */
  util: number;
  tensor: number;
  dram: number;
  power: number;
}

const DRIVER_VERSION = '570.158.01';

/**
 * A DCGM-exporter `/metrics` for one node (engines.md §10): the default-counters field set, Go's
 * label order, integers for integer fields and %f for doubles. Activity is derived from the
 * replica's real step time over the window since the previous scrape.
 */
export class DcgmExporter {
  private readonly samples = new Map<number, GpuSample>();

  constructor(
    readonly hostname: string,
    readonly gpus: SimGpu[],
  ) {}

  private sample(gpu: SimGpu, nowUs: number): GpuSample {
    const spec = GPUS[gpu.type];
    const previous = this.samples.get(gpu.index);
    const stats = gpu.replica?.stats;
    const busySeconds = stats?.busySeconds ?? 0;
    const prefillSeconds = stats?.prefillSecondsTotal ?? 0;
    const decodeSeconds = stats?.decodeSecondsTotal ?? 0;
    const interconnectBytes = stats?.interconnectBytes ?? 0;
    const windowSeconds = previous ? (nowUs - previous.atUs) / 1e6 : 0;
    let util = previous?.coarse ?? 0;
    let tensor = previous?.tensor ?? 0;
    let dram = previous?.dram ?? 0;
    if (windowSeconds >= 0.5 || !previous) {
      const busy = previous ? busySeconds - previous.busySeconds : 0;
      util = windowSeconds > 0 ? Math.min(1, busy / windowSeconds) : 0;
      const prefill = previous ? prefillSeconds - previous.prefillSeconds : 0;
      const decode = previous ? decodeSeconds - previous.decodeSeconds : 0;
      const work = prefill + decode;
      const prefillShare = work > 0 ? prefill / work : 0;
      // Prefill keeps tensor cores busy; decode streams weights and KV from HBM.
      tensor = util * (0.75 * prefillShare + 0.2 * (1 - prefillShare));
      dram = util * (0.3 * prefillShare + 0.85 * (1 - prefillShare));
    } else if (previous) {
      return previous;
    }
    const slowdown = gpu.replica?.slowdown.gpuSlowdown ?? 1;
    // In a TP group with a straggler the others finish early and wait in the all-reduce.
    const straggler = gpu.tpRank === 0 && slowdown > 1;
    const engineActive = slowdown > 1 && !straggler ? util / slowdown : util;
    const power =
      spec.idleWatts + (spec.maxWatts - spec.idleWatts) * (0.35 * util + 0.65 * engineActive) * 0.9;
    const energy = (previous?.energyMillijoules ?? 3.6e11 + gpu.index * 1e9) + power * windowSeconds * 1000;
    const nvlink =
      (previous?.nvlinkCounter ?? 0) + (previous ? interconnectBytes - previous.interconnectBytes : 0);
    const next: GpuSample = {
      atUs: nowUs,
      busySeconds,
      prefillSeconds,
      decodeSeconds,
      interconnectBytes,
      energyMillijoules: energy,
      nvlinkCounter: nvlink,
      coarse: util,
      util: engineActive,
      tensor: slowdown > 1 && !straggler ? tensor / slowdown : tensor,
      dram: slowdown > 1 && !straggler ? dram / slowdown : dram,
      power,
    };
    this.samples.set(gpu.index, next);
    return next;
  }

  render(nowUs: number): string {
    const w = new ExpositionWriter(String, false);
    const rows = this.gpus.map((gpu) => {
      const labels: Labels = {
        gpu: String(gpu.index),
        UUID: gpu.uuid,
        pci_bus_id: gpu.pciBusId,
        device: `nvidia${gpu.index}`,
        modelName: GPUS[gpu.type].productName,
        hostname: this.hostname,
        DCGM_FI_DRIVER_VERSION: DRIVER_VERSION,
        ...(gpu.pod ? { container: gpu.pod.container, namespace: gpu.pod.namespace, pod: gpu.pod.name } : {}),
      };
      return { gpu, labels, s: this.sample(gpu, nowUs) };
    });
    type Row = (typeof rows)[number];
    // DCGM prints integer fields as integers and double fields with Go's %f (6 decimals).
    const DOUBLE_FIELDS = new Set([
      'DCGM_FI_DEV_POWER_USAGE',
      'DCGM_FI_PROF_GR_ENGINE_ACTIVE',
      'DCGM_FI_PROF_PIPE_TENSOR_ACTIVE',
      'DCGM_FI_PROF_DRAM_ACTIVE',
    ]);
    const field = (name: string, type: 'gauge' | 'counter', help: string, value: (r: Row) => number) => {
      w.header(name, type, help);
      for (const row of rows) {
        const v = value(row);
        w.sampleText(name, row.labels, DOUBLE_FIELDS.has(name) ? v.toFixed(6) : String(Math.round(v)));
      }
    };
    const up = (r: Row) => (r.gpu.replica ? r.gpu.replica.isUp(nowUs) : false);
    const int = Math.round;
    field('DCGM_FI_DEV_SM_CLOCK', 'gauge', 'SM clock frequency (in MHz).', (r) =>
      r.s.util > 0 ? 1980 : 345,
    );
    field('DCGM_FI_DEV_MEM_CLOCK', 'gauge', 'Memory clock frequency (in MHz).', () => 2619);
    field('DCGM_FI_DEV_MEMORY_TEMP', 'gauge', 'Memory temperature (in C).', (r) => int(38 + 30 * r.s.util));
    field('DCGM_FI_DEV_GPU_TEMP', 'gauge', 'GPU temperature (in C).', (r) => int(33 + 35 * r.s.util));
    field('DCGM_FI_DEV_POWER_USAGE', 'gauge', 'Power draw (in W).', (r) => r.s.power);
    field(
      'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION',
      'counter',
      'Total energy consumption since boot (in mJ).',
      (r) => int(r.s.energyMillijoules),
    );
    field('DCGM_FI_DEV_PCIE_REPLAY_COUNTER', 'counter', 'Total number of PCIe retries.', () => 0);
    field('DCGM_FI_DEV_GPU_UTIL', 'gauge', 'GPU utilization (in %).', (r) => 100 * r.s.coarse);
    field('DCGM_FI_DEV_MEM_COPY_UTIL', 'gauge', 'Memory utilization (in %).', (r) => int(100 * r.s.dram));
    field('DCGM_FI_DEV_ENC_UTIL', 'gauge', 'Encoder utilization (in %).', () => 0);
    field('DCGM_FI_DEV_DEC_UTIL', 'gauge', 'Decoder utilization (in %).', () => 0);
    field('DCGM_FI_DEV_XID_ERRORS', 'gauge', 'Value of the last XID error encountered.', () => 0);
    const mib = 2 ** 20;
    const usedMiB = (r: Row) =>
      up(r) && r.gpu.replica
        ? int((GPUS[r.gpu.type].hbmBytes * r.gpu.replica.config.gpuMemoryUtilization) / mib)
        : 0;
    const totalMiB = (r: Row) => int(GPUS[r.gpu.type].hbmBytes / mib);
    field(
      'DCGM_FI_DEV_FB_FREE',
      'gauge',
      'Framebuffer memory free (in MiB).',
      (r) => totalMiB(r) - usedMiB(r) - 512,
    );
    field('DCGM_FI_DEV_FB_USED', 'gauge', 'Framebuffer memory used (in MiB).', usedMiB);
    field('DCGM_FI_DEV_FB_RESERVED', 'gauge', 'Framebuffer memory reserved (in MiB).', () => 512);
    field(
      'DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL',
      'counter',
      'Total number of NVLink bandwidth counters for all lanes.',
      (r) => int(r.s.nvlinkCounter),
    );
    field('DCGM_FI_DEV_VGPU_LICENSE_STATUS', 'gauge', 'vGPU License status', () => 0);
    field(
      'DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS',
      'counter',
      'Number of remapped rows for uncorrectable errors',
      () => 0,
    );
    field(
      'DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS',
      'counter',
      'Number of remapped rows for correctable errors',
      () => 0,
    );
    field('DCGM_FI_DEV_ROW_REMAP_FAILURE', 'gauge', 'Whether remapping of rows has failed', () => 0);
    field(
      'DCGM_FI_PROF_GR_ENGINE_ACTIVE',
      'gauge',
      'Ratio of time the graphics engine is active.',
      (r) => r.s.util,
    );
    field(
      'DCGM_FI_PROF_PIPE_TENSOR_ACTIVE',
      'gauge',
      'Ratio of cycles the tensor (HMMA) pipe is active.',
      (r) => r.s.tensor,
    );
    field(
      'DCGM_FI_PROF_DRAM_ACTIVE',
      'gauge',
      'Ratio of cycles the device memory interface is active sending or receiving data.',
      (r) => r.s.dram,
    );
    field(
      'DCGM_FI_PROF_PCIE_TX_BYTES',
      'gauge',
      'The rate of data transmitted over the PCIe bus - including both protocol headers and data payloads - in bytes per second.',
      (r) => int(2000 + 4e7 * r.s.coarse),
    );
    field(
      'DCGM_FI_PROF_PCIE_RX_BYTES',
      'gauge',
      'The rate of data received over the PCIe bus - including both protocol headers and data payloads - in bytes per second.',
      (r) => int(2000 + 9e7 * r.s.coarse),
    );
    return w.text();
  }
}
