import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeRequest } from '../model/request.ts';
import { fitGpuCost, forecastGpus } from './capacity.ts';
import { PriceBook } from './cost/price-book.ts';

describe('capacity forecast', () => {
  const prices = new PriceBook('on_demand', [{ gpu_type: 'H100', usd_per_gpu_hour: 3.6 }]); // $0.001 per GPU-second
  // Requests whose GPU-seconds are exactly 0.0002 per computed prompt token + 0.02 per output token.
  const requests = Array.from({ length: 200 }, (_, i) => {
    const prompt = 200 + ((i * 37) % 1800);
    const cached = (i * 13) % 150;
    const output = 20 + ((i * 7) % 300);
    const gpuSeconds = 0.0002 * (prompt - cached) + 0.02 * output;
    return makeRequest({
      requestId: `r${i}`,
      arrivalUs: i,
      gpuType: 'H100',
      promptTokens: prompt,
      cachedPromptTokens: cached,
      outputTokens: output,
      costUsd: gpuSeconds * 0.001,
      status: 'ok',
    });
  });

  it('recovers GPU-seconds per prompt and per output token from attributed cost', () => {
    const fit = fitGpuCost(requests, prices);
    assert.ok(fit);
    assert.ok(Math.abs(fit.perPromptToken - 0.0002) < 1e-12);
    assert.ok(Math.abs(fit.perOutputToken - 0.02) < 1e-12);
    assert.ok(fit.rSquared > 0.999999);
  });

  it('forecasts GPUs for a rate, context mix and cache reuse, as the formula says', () => {
    const fit = fitGpuCost(requests, prices)!;
    // 20 req/s × (0.0002 × 2000 × (1 − 0.5) + 0.02 × 150) ÷ 0.7 = 20 × 3.2 ÷ 0.7 = 91.43 GPUs.
    const f = forecastGpus(
      {
        requestsPerSecond: 20,
        promptTokens: 2000,
        outputTokens: 150,
        cacheReuse: 0.5,
        targetUtilization: 0.7,
      },
      fit,
      4,
    );
    assert.ok(Math.abs(f.gpuSecondsPerRequest - 3.2) < 1e-9);
    assert.ok(Math.abs(f.gpus - 64 / 0.7) < 1e-9);
    assert.equal(f.replicas, 23);
  });

  it('declines to fit on too few priced requests', () => {
    assert.equal(fitGpuCost(requests.slice(0, 5), prices), null);
  });
});
