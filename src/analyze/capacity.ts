import type { InferenceRequest } from '../model/request.ts';
import type { PriceBook } from './cost/price-book.ts';

/**
 * GPU-seconds a request costs, fitted on measured requests: gpuSeconds ≈ a × computed prompt
 * tokens + b × output tokens (least squares, no intercept). Each request's GPU-seconds come from
 * its attributed cost (the share of the steps it was in, docs/cost.md) ÷ the price of a
 * GPU-second of its GPU type, so batching is already in them.
 */
export interface GpuCostFit {
  /** GPU-seconds per computed (not cached) prompt token. */
  perPromptToken: number;
  /** GPU-seconds per output token. */
  perOutputToken: number;
  requests: number;
  /** Share of the variance of per-request GPU-seconds the fit explains. */
  rSquared: number;
}

export function fitGpuCost(requests: readonly InferenceRequest[], prices: PriceBook): GpuCostFit | null {
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  let sxg = 0;
  let syg = 0;
  let sgg = 0;
  let sg = 0;
  const rows: [number, number, number][] = [];
  for (const r of requests) {
    if (r.costUsd === null || r.status !== 'ok' || r.gpuType === 'unknown') continue;
    const perGpuSecond = prices.usdPerGpuHour(r.gpuType, r.cluster) / 3600;
    if (!(perGpuSecond > 0)) continue;
    const g = r.costUsd / perGpuSecond;
    const x = r.promptTokens - r.cachedPromptTokens;
    const y = r.outputTokens;
    rows.push([x, y, g]);
    sxx += x * x;
    sxy += x * y;
    syy += y * y;
    sxg += x * g;
    syg += y * g;
    sgg += g * g;
    sg += g;
  }
  const det = sxx * syy - sxy * sxy;
  if (rows.length < 10 || det <= 0) return null;
  const a = (sxg * syy - syg * sxy) / det;
  const b = (syg * sxx - sxg * sxy) / det;
  const mean = sg / rows.length;
  const total = sgg - rows.length * mean * mean;
  const residual = rows.reduce((s, [x, y, g]) => s + (g - a * x - b * y) ** 2, 0);
  return {
    perPromptToken: a,
    perOutputToken: b,
    requests: rows.length,
    rSquared: total > 0 ? 1 - residual / total : 1,
  };
}

export interface CapacityQuestion {
  requestsPerSecond: number;
  promptTokens: number;
  outputTokens: number;
  /** Share of prompt tokens expected from the prefix cache (0–1). */
  cacheReuse: number;
  /** Busy share to plan for (headroom for bursts), e.g. 0.7. */
  targetUtilization: number;
}

/**
 * GPUs needed = rate × (a × prompt × (1 − cache reuse) + b × output) ÷ target utilization. Replicas
 * = GPUs ÷ GPUs per replica, rounded up.
 */
export function forecastGpus(
  q: CapacityQuestion,
  fit: GpuCostFit,
  gpusPerReplica = 1,
): { gpuSecondsPerRequest: number; gpus: number; replicas: number } {
  const gpuSecondsPerRequest =
    fit.perPromptToken * q.promptTokens * (1 - q.cacheReuse) + fit.perOutputToken * q.outputTokens;
  const gpus = (q.requestsPerSecond * gpuSecondsPerRequest) / q.targetUtilization;
  return { gpuSecondsPerRequest, gpus, replicas: Math.ceil(gpus / gpusPerReplica) };
}
