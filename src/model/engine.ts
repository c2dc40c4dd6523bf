/** Inference engines (and GPU/router exporters) whose telemetry KubeBurner normalizes. See engines.md §0. */
export const ENGINES = ['vllm', 'sglang', 'trtllm', 'triton', 'llamacpp', 'tgi', 'dynamo', 'other'] as const;
export type Engine = (typeof ENGINES)[number];

/** Signal sources that are not engines but feed the same canonical schema. */
export const SIGNAL_SOURCES = [...ENGINES.filter((e) => e !== 'other'), 'dcgm', 'epp', 'otel'] as const;
export type SignalSource = (typeof SIGNAL_SOURCES)[number];

export function isEngine(value: string): value is Engine {
  return (ENGINES as readonly string[]).includes(value);
}
