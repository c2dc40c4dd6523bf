import type { Store } from '../store/store.ts';
import type { Logger } from '../util/log.ts';
import type { SpendSource } from './policy.ts';

/**
 * Month-to-date spend and tokens per tenant from the store — requests the gateway served, never
 * records from traces anyone could send — refreshed every minute (budgets can overrun by up to a
 * minute of traffic). Read by admission without waiting: the last refresh wins.
 */
export class StoreSpendSource implements SpendSource {
  private usd = new Map<string, number>();
  private tokens = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: Store,
    private readonly log?: Logger,
    private readonly nowMs: () => number = Date.now,
  ) {}

  spentUsd(tenant: string): number {
    return this.usd.get(tenant) ?? 0;
  }

  spentTokens(tenant: string): number {
    return this.tokens.get(tenant) ?? 0;
  }

  async refresh(): Promise<void> {
    const now = new Date(this.nowMs());
    const monthStartUs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) * 1000;
    const rows = await this.store.aggregateRequests({
      range: { fromUs: monthStartUs, toUs: now.getTime() * 1000 + 1 },
      // The gateway's own records only: a span naming a tenant cannot spend its budget.
      throughGateway: true,
      groupBy: ['tenant'],
      measures: [
        { fn: 'sum', field: 'cost_usd' },
        { fn: 'sum', field: 'prompt_tokens' },
        { fn: 'sum', field: 'output_tokens' },
      ],
    });
    this.usd = new Map(rows.map((r) => [r.group.tenant ?? '', r.values.sum_cost_usd ?? 0]));
    this.tokens = new Map(
      rows.map((r) => [
        r.group.tenant ?? '',
        (r.values.sum_prompt_tokens ?? 0) + (r.values.sum_output_tokens ?? 0),
      ]),
    );
  }

  start(everyMs = 60_000): void {
    const tick = () =>
      void this.refresh().catch((err: unknown) => this.log?.warn({ err }, 'budget refresh failed'));
    tick();
    this.timer = setInterval(tick, everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
