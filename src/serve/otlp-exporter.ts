import type { OtlpResourceSpans } from './otlp-json.ts';

export interface OtlpExporterOptions {
  /** Full URL of the OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. */
  url: string;
  batchSize?: number;
  flushIntervalMs?: number;
  /** Spans queued beyond this are dropped and counted, as an SDK's batch processor does. */
  maxQueue?: number;
  timeoutMs?: number;
}

/**
 * Sends spans the way an engine's OpenTelemetry SDK does: batched, on a timer, over OTLP/HTTP
 * (JSON encoding), never blocking the engine; a full queue or a failed export drops and counts.
 */
export class OtlpJsonExporter {
  private queue: OtlpResourceSpans[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> = Promise.resolve();
  exported = 0;
  dropped = 0;
  failedExports = 0;

  constructor(private readonly options: OtlpExporterOptions) {}

  enqueue(resourceSpans: readonly OtlpResourceSpans[]): void {
    for (const rs of resourceSpans) {
      if (this.queue.length >= (this.options.maxQueue ?? 20_000)) {
        this.dropped++;
        continue;
      }
      this.queue.push(rs);
    }
    if (this.queue.length >= (this.options.batchSize ?? 512)) void this.flush();
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs ?? 500);
    this.timer.unref();
  }

  flush(): Promise<void> {
    this.inFlight = this.inFlight.then(async () => {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.batchSize ?? 512);
        try {
          const response = await fetch(this.options.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ resourceSpans: batch }),
            signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
          });
          await response.arrayBuffer();
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          this.exported += batch.length;
        } catch {
          this.failedExports++;
          this.dropped += batch.length;
        }
      }
    });
    return this.inFlight;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }
}
