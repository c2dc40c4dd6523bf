/**
 * GPU specifications for the roofline model: dense BF16 peak, HBM size and bandwidth, and the
 * per-GPU interconnect. Numbers from shared/reference/slo-and-cost.md §5 (vendor datasheets:
 * H100 SXM, H200 SXM, A100 SXM 80 GB, L4), read 2026-11.
 */
export interface GpuSpec {
  name: GpuType;
  /** Datacenter product name as DCGM's `modelName` label shows it. */
  productName: string;
  bf16Tflops: number;
  hbmBytes: number;
  memoryBandwidthBytesPerSec: number;
  /** Per-GPU bandwidth of the link tensor-parallel all-reduces use (NVLink, or PCIe for L4). */
  interconnectBytesPerSec: number;
  interconnect: 'nvlink' | 'pcie';
  /** Board power at idle and at full load, for the DCGM power signal. */
  idleWatts: number;
  maxWatts: number;
}

export const GPU_TYPES = ['H100', 'H200', 'A100-80GB', 'L4'] as const;
export type GpuType = (typeof GPU_TYPES)[number];

const GB = 1e9;

export const GPUS: Record<GpuType, GpuSpec> = {
  H100: {
    name: 'H100',
    productName: 'NVIDIA H100 80GB HBM3',
    bf16Tflops: 989,
    hbmBytes: 80 * GB,
    memoryBandwidthBytesPerSec: 3.35e12,
    interconnectBytesPerSec: 900 * GB,
    interconnect: 'nvlink',
    idleWatts: 70,
    maxWatts: 700,
  },
  H200: {
    name: 'H200',
    productName: 'NVIDIA H200',
    bf16Tflops: 989,
    hbmBytes: 141 * GB,
    memoryBandwidthBytesPerSec: 4.8e12,
    interconnectBytesPerSec: 900 * GB,
    interconnect: 'nvlink',
    idleWatts: 75,
    maxWatts: 700,
  },
  'A100-80GB': {
    name: 'A100-80GB',
    productName: 'NVIDIA A100-SXM4-80GB',
    bf16Tflops: 312,
    hbmBytes: 80 * GB,
    memoryBandwidthBytesPerSec: 2.0e12,
    interconnectBytesPerSec: 600 * GB,
    interconnect: 'nvlink',
    idleWatts: 55,
    maxWatts: 400,
  },
  L4: {
    name: 'L4',
    productName: 'NVIDIA L4',
    bf16Tflops: 121,
    hbmBytes: 24 * GB,
    memoryBandwidthBytesPerSec: 0.3e12,
    // PCIe Gen4 x16, one direction.
    interconnectBytesPerSec: 32 * GB,
    interconnect: 'pcie',
    idleWatts: 16,
    maxWatts: 72,
  },
};
