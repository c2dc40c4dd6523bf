import type { InferenceRequest } from '../../../model/request.ts';
import type { MetricSample } from '../../../model/metric-sample.ts';
import type { RequestRecord } from '../../../normalize/merge-gateway.ts';
import type { LedgerParts } from './interval.ts';
import { COST_METHOD_ATTRIBUTE, LEDGER_PRICED, LEDGER_PRICED_LATE } from '../cost-method.ts';
import { IDLE_COST_METRIC, IDLE_GPU_SECONDS_METRIC } from '../replica-price.ts';
import { ReplicaLedger, type LedgerEntry, type LedgerTiming, type ReplicaTerms } from './replica-ledger.ts';

/** Ledger entries as metric samples: USD and GPU-seconds per part (label `part`), at the interval's end. */
export const LEDGER_USD_METRIC = 'llm.cost.ledger_usd';
export const LEDGER_GPU_SECONDS_METRIC = 'llm.cost.ledger_gpu_seconds';
export const LEDGER_PARTS = ['bill', 'usage', 'underfilled', 'idle', 'unattributed'] as const;

/** Where priced records and ledger samples go next (the ingest buffer). */
export interface PricedSink {
  offerRequests(records: readonly RequestRecord[]): boolean;
  offerSamples(samples: readonly MetricSample[]): boolean;
}

/** What is known about a replica: its terms, and the labels its ledger samples carry. */
export interface ReplicaAccount {
  terms: ReplicaTerms;
  cluster: string;
  model: string;
  engine: string;
  labels: Record<string, string>;
}

const RUNNING_METRIC = 'llm.requests.running';

/**
 * The time a request held a batch slot on its replica: prefill and decode, ending when it ended;
 * without measured phases, everything after its queue wait.
 */
export function busySpan(request: InferenceRequest): { startUs: number; endUs: number } | null {
  if (request.e2eUs === null) return null;
  const endUs = request.finishedUs ?? request.arrivalUs + request.e2eUs;
  const busyUs =
    request.prefillUs !== null || request.decodeUs !== null
      ? (request.prefillUs ?? 0) + (request.decodeUs ?? 0)
      : Math.max(0, request.e2eUs - (request.queueUs ?? 0));
  return { startUs: endUs - Math.min(busyUs, request.e2eUs), endUs };
}

/**
 * The pricing stage between the joiners and the store: each request of a priced replica waits in
 * its replica's ledger until the intervals it ran in are settled, then goes on with its share as
 * its cost (`kb.cost: ledger`, or `ledger:late`); every settled interval goes on as ledger
 * samples. Requests of unknown replicas or without an end go on at once, and so do requests priced
 * already (the simulator's step attribution) — their busy time counted in the ledger all the same.
 */
export class LedgerPricing {
  private readonly ledgers = new Map<string, ReplicaLedger>();
  private readonly waiting = new Map<string, RequestRecord>();
  private readonly ready: RequestRecord[] = [];

  constructor(
    private readonly sink: PricedSink,
    private readonly account: (replica: string) => ReplicaAccount | undefined,
    private readonly timing: LedgerTiming,
    private readonly options: { maxWaiting: number },
  ) {}

  /** Requests waiting for their intervals to settle (they count against back-pressure). */
  get held(): number {
    return this.waiting.size + this.ready.length;
  }

  offerRequests(records: readonly RequestRecord[]): boolean {
    if (this.held + records.length > this.options.maxWaiting) return false;
    const now: RequestRecord[] = [];
    for (const record of records) {
      const { request } = record;
      const span = busySpan(request);
      const ledger = span ? this.ledgerOf(request.replica) : null;
      if (
        !span ||
        !ledger ||
        this.waiting.has(request.requestId) ||
        ledger.tooOld({ requestId: '', ...span })
      ) {
        now.push(record);
        continue;
      }
      ledger.addSpan({ requestId: request.requestId, ...span });
      // Priced already (the simulator's exact step attribution): it keeps its price and goes on;
      // its busy time still fills the batch, so idle and under-fill stay true.
      if (request.costUsd !== null) now.push(record);
      else this.waiting.set(request.requestId, record);
    }
    return now.length === 0 || this.sink.offerRequests(now);
  }

  /** Scrapes bound the intervals: each replica's running gauge is one. */
  observeSamples(samples: readonly MetricSample[]): void {
    for (const s of samples) {
      if (s.name !== RUNNING_METRIC || s.labels.source === 'slots') continue;
      this.ledgerOf(s.replica)?.observeScrape(s.timeMs * 1000, s.value);
    }
  }

  /** Settles what is ready at `nowUs` and hands priced requests and ledger samples on. */
  settle(nowUs: number): void {
    for (const [replica, ledger] of this.ledgers) {
      const { entries, priced } = ledger.settle(nowUs);
      const account = this.account(replica);
      if (account && entries.length > 0)
        this.sink.offerSamples(entries.flatMap((e) => ledgerSamples(e, replica, account)));
      for (const p of priced) {
        const record = this.waiting.get(p.requestId);
        if (!record) continue;
        this.waiting.delete(p.requestId);
        priceRecord(record.request, p.usd, p.late);
        this.ready.push(record);
      }
    }
    if (this.ready.length > 0 && this.sink.offerRequests(this.ready)) this.ready.length = 0;
  }

  /** At shutdown: settles every interval with what is known and hands every request on. */
  settleAll(): void {
    this.settle(Number.MAX_SAFE_INTEGER);
  }

  private ledgerOf(replica: string): ReplicaLedger | null {
    const account = this.account(replica);
    if (!account) return null;
    let ledger = this.ledgers.get(replica);
    if (!ledger) {
      ledger = new ReplicaLedger(account.terms, this.timing);
      this.ledgers.set(replica, ledger);
    } else ledger.setTerms(account.terms);
    return ledger;
  }
}

function priceRecord(request: InferenceRequest, usd: number | null, late: boolean): void {
  if (usd === null) return;
  request.costUsd = usd;
  request.cacheSavingsUsd = cacheSavings(request, usd);
  request.attributes = {
    ...request.attributes,
    [COST_METHOD_ATTRIBUTE]: late ? LEDGER_PRICED_LATE : LEDGER_PRICED,
  };
}

/**
 * Cached prompt tokens × what each computed prompt token cost in this request's prefill (its cost
 * split by prefill and decode time, the prefill part ÷ computed tokens). Linear in tokens, so it
 * leaves out the attention FLOPs a long cached prefix also spares; null without a hit, a prefill
 * time or any computed token.
 */
function cacheSavings(request: InferenceRequest, usd: number): number | null {
  const computed = request.promptTokens - request.cachedPromptTokens;
  const busyUs = (request.prefillUs ?? 0) + (request.decodeUs ?? 0);
  if (request.cachedPromptTokens <= 0 || computed <= 0 || request.prefillUs === null || busyUs <= 0)
    return null;
  return ((usd * request.prefillUs) / busyUs / computed) * request.cachedPromptTokens;
}

function ledgerSamples(entry: LedgerEntry, replica: string, account: ReplicaAccount): MetricSample[] {
  const at = {
    timeMs: entry.toUs / 1000,
    cluster: account.cluster,
    model: account.model,
    replica,
    engine: account.engine,
  };
  const parts = (name: string, values: LedgerParts<number>) =>
    LEDGER_PARTS.filter((part) => values[part] !== 0).map((part) => ({
      ...at,
      name,
      value: values[part],
      labels: { ...account.labels, part, ...(entry.late ? { late: 'true' } : {}) },
    }));
  // The idle part also under the idle metrics chargeback, the overview and the GPU view read.
  const idle = (name: string, value: number) =>
    value === 0 ? [] : [{ ...at, name, value, labels: { ...account.labels } }];
  return [
    ...parts(LEDGER_USD_METRIC, entry.usd),
    ...parts(LEDGER_GPU_SECONDS_METRIC, entry.gpuSeconds),
    ...idle(IDLE_COST_METRIC, entry.usd.idle),
    ...idle(IDLE_GPU_SECONDS_METRIC, entry.gpuSeconds.idle),
  ];
}
