import { startCli, type CliProcess } from './cli-process.ts';
import { configFile } from './config-file.ts';
import type { RunningLlamaServer } from './llama-server.ts';
import { freePort } from './net.ts';

export interface LlamaBehindCollect {
  collect: CliProcess;
  /** KubeBurner's API. */
  api: string;
  /** KubeBurner's gateway in front of the engine. */
  gateway: string;
}

/**
 * `kubeburner collect` scraping a running llama-server (replica llama-0, model tiny-llama, priced
 * as a CPU at `usdPerHour`) with its gateway in front of it, on free loopback ports.
 */
export async function collectInFrontOf(
  engine: RunningLlamaServer,
  options: { prefix: string; usdPerHour: number; intervalS: number; targetExtra?: string },
): Promise<LlamaBehindCollect> {
  const [apiPort, gatewayPort] = [await freePort(), await freePort()];
  const extra = options.targetExtra ? `, ${options.targetExtra}` : '';
  const { path } = configFile(options.prefix, apiPort, [
    'collect:',
    '  cluster: real-engine',
    '  otlp: { enabled: false }',
    '  scrape:',
    '    targets:',
    `      - { url: '${engine.url}/metrics', engine: llamacpp, replica: llama-0, model: tiny-llama, gpu_type: CPU, interval_s: ${options.intervalS}, slots: true${extra} }`,
    `pricing: { overrides: [{ gpu_type: CPU, usd_per_gpu_hour: ${options.usdPerHour} }] }`,
    'gateway:',
    `  port: ${gatewayPort}`,
    `  upstreams: [{ name: llama-0, url: '${engine.url}', models: [tiny-llama] }]`,
    '  health: { interval: 1h }',
  ]);
  const collect = await startCli(path, 'collect');
  return { collect, api: `http://127.0.0.1:${apiPort}`, gateway: `http://127.0.0.1:${gatewayPort}` };
}
