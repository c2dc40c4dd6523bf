import type { ChildProcess } from 'node:child_process';
import { observeChat } from './engine-client.ts';

/**
 * Closed-loop clients for the real engine: each worker sends a chat completion through the
 * gateway, reads it to the end, thinks a moment and sends the next. What they send is the current
 * mode's; changing the mode is how the real-engine fault tests inject a fault.
 */
export interface WorkloadMode {
  /** Workers sending at once. */
  concurrency: number;
  /** The prompt of a worker's next request. */
  prompt(random: () => number): string;
  maxTokens(random: () => number): number;
  /** Mean pause between a worker's answer and its next request (exponential). */
  thinkMs: number;
}

export interface WorkloadCounts {
  sent: number;
  /** Answers by HTTP status. */
  statuses: Map<number, number>;
}

export class ClosedLoopWorkload {
  private mode: WorkloadMode;
  private running = 0;
  private stopped = false;
  private sequence = 0;
  private readonly workers = new Set<Promise<void>>();
  readonly counts: WorkloadCounts = { sent: 0, statuses: new Map() };

  constructor(
    private readonly target: { baseUrl: string; model: string; idPrefix: string },
    private readonly random: () => number,
    initial: WorkloadMode,
  ) {
    this.mode = initial;
    this.fill();
  }

  /** From now on, send what `mode` says; workers beyond its concurrency end after their request. */
  setMode(mode: WorkloadMode): void {
    this.mode = mode;
    this.fill();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers);
  }

  private fill(): void {
    while (!this.stopped && this.running < this.mode.concurrency) {
      this.running++;
      const worker: Promise<void> = this.work().finally(() => {
        this.running--;
        this.workers.delete(worker);
      });
      this.workers.add(worker);
    }
  }

  private async work(): Promise<void> {
    while (!this.stopped && this.running <= this.mode.concurrency) {
      const mode = this.mode;
      this.counts.sent++;
      const observation = await observeChat({
        baseUrl: this.target.baseUrl,
        requestId: `${this.target.idPrefix}-${this.sequence++}`,
        model: this.target.model,
        prompt: mode.prompt(this.random),
        maxTokens: mode.maxTokens(this.random),
        stream: true,
        includeUsage: true,
      }).catch(() => ({ status: 0 }));
      const { statuses } = this.counts;
      statuses.set(observation.status, (statuses.get(observation.status) ?? 0) + 1);
      await sleep(-Math.log(1 - this.random()) * mode.thinkMs);
    }
  }
}

/**
 * Slows a process the way a throttled or noisy-neighboured GPU would: stopped (SIGSTOP) for
 * `stoppedMs` of every `periodMs`. The returned function ends it, the process left running.
 */
export function dutyCycle(child: ChildProcess, stoppedMs: number, periodMs: number): () => Promise<void> {
  let active = true;
  const loop = (async () => {
    while (active) {
      child.kill('SIGSTOP');
      await sleep(stoppedMs);
      child.kill('SIGCONT');
      await sleep(periodMs - stoppedMs);
    }
  })();
  return async () => {
    active = false;
    await loop;
    child.kill('SIGCONT');
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
