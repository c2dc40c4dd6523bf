import {
  DERIVED_PHASES_ATTRIBUTE,
  decomposeResourceSpans,
  type DecomposedRequest,
  type TraceContext,
} from '../../normalize/decompose.ts';
import type { CallerSpan } from '../../normalize/caller-span.ts';
import type { RequestRecord } from '../../normalize/merge-gateway.ts';
import type { Logger } from '../../util/log.ts';
import type { IngestBuffer } from '../ingest-buffer.ts';
import type { RequestSink } from '../request-joiner.ts';
import { RejectionCounter } from '../rejections.ts';
import type { Spool } from '../spool.ts';
import { RecentIds } from './recent-ids.ts';
import { decodeMetrics, decodeTraces, type OtlpEncoding } from './decode.ts';
import { otlpMetricsToSamples } from './metrics.ts';
import { checkRequestRow, metricSampleProblem } from '../../store/row-check.ts';

export interface OtlpIngestOptions {
  context: TraceContext;
  buffer: IngestBuffer;
  /** Where decomposed requests go when not straight to the buffer (the gateway joiner). */
  requestSink?: RequestSink;
  log: Logger;
  onRequests?: (requests: readonly DecomposedRequest[]) => void;
  /** Fills in what the source cannot know (team, placement); the cost ledger prices it later. */
  enrichRequest?: (request: DecomposedRequest['request']) => void;
  /** Where calling applications' GenAI client spans go (the caller joiner); ignored without. */
  callerSink?: { offerCallers(callers: readonly CallerSpan[]): void };
  /** Fills in a caller's team (config `tenants`). */
  enrichCaller?: (caller: CallerSpan) => void;
  /** The clock timestamps are checked against (epoch µs): the simulator's in the demo. */
  nowUs?: () => number;
  /** Accepted records are logged here; receivers acknowledge once it has them on disk. */
  spool?: Spool | null;
}

/** What to answer: accepted (with how many items were rejected and why), or pushed back. */
export type IngestOutcome =
  { accepted: true; rejected: number; reason: string } | { accepted: false; reason: string };

/**
 * The part of OTLP ingestion both transports share: decode, decompose or convert, hand to the
 * buffer (all or nothing), count what was rejected. Decode errors propagate as OtlpDecodeError.
 */
export class OtlpIngest {
  readonly rejections: RejectionCounter;
  receivedSpans = 0;
  acceptedRequests = 0;
  /** Requests seen again (a resent batch): acknowledged, not stored twice. */
  duplicateRequests = 0;
  private readonly recent = new RecentIds();

  constructor(private readonly options: OtlpIngestOptions) {
    this.rejections = new RejectionCounter('otlp', options.log);
  }

  traces(body: Buffer, encoding: OtlpEncoding): IngestOutcome {
    const resourceSpans = decodeTraces(body, encoding);
    for (const rs of resourceSpans) {
      for (const scope of Array.isArray(rs?.scopeSpans) ? rs.scopeSpans : [])
        this.receivedSpans += Array.isArray(scope?.spans) ? scope.spans.length : 0;
    }
    const { decomposed: all, callers, invalid } = decomposeResourceSpans(resourceSpans, this.options.context);
    if (this.options.enrichCaller) for (const c of callers) this.options.enrichCaller(c);
    // Callers first: an engine record in the same batch joins at once instead of waiting.
    this.options.callerSink?.offerCallers(callers);
    if (this.options.enrichRequest) for (const d of all) this.options.enrichRequest(d.request);
    // A request the store could not take is rejected alone, with its reason, before the 200.
    // Phases derivable from the request row are not stored (rebuilt on read: withDerivedPhases),
    // so they are neither built nor checked here.
    const decomposed: DecomposedRequest[] = [];
    const toStore: RequestRecord[] = [];
    const nowUs = this.nowUs();
    let duplicates = 0;
    for (const d of all) {
      const derived = d.request.attributes[DERIVED_PHASES_ATTRIBUTE] === 'vllm-span';
      const checked = checkRequestRow(derived ? { request: d.request, spans: [] } : d, nowUs);
      if ('problem' in checked)
        invalid.push(`request ${String(d.request.requestId).slice(0, 64)}: ${checked.problem}`);
      // A resent batch (the exporter timed out on our answer) is acknowledged, not stored again.
      else if (this.recent.has(d.request.requestId)) duplicates++;
      else {
        decomposed.push(derived ? d : { ...d, request: checked.request, spans: checked.spans });
        toStore.push(checked);
      }
    }
    if (!(this.options.requestSink ?? this.options.buffer).offerRequests(toStore))
      return { accepted: false, reason: 'ingest buffer is full; retry later' };
    // Logged only once taken: a refused batch is the sender's to resend, not ours to replay.
    if (this.options.spool) for (const record of toStore) this.options.spool.append(record);
    for (const d of decomposed) this.recent.add(d.request.requestId);
    this.duplicateRequests += duplicates;
    this.acceptedRequests += decomposed.length;
    this.options.onRequests?.(decomposed);
    for (const reason of invalid) this.rejections.count(reason);
    return { accepted: true, rejected: invalid.length, reason: invalid[0] ?? '' };
  }

  /** Resolves once everything accepted so far is durable (on disk in the spool, when there is one). */
  durable(): Promise<void> {
    return this.options.spool?.synced() ?? Promise.resolve();
  }

  private nowUs(): number {
    return this.options.nowUs?.() ?? Date.now() * 1000;
  }

  metrics(body: Buffer, encoding: OtlpEncoding): IngestOutcome {
    const converted = otlpMetricsToSamples(decodeMetrics(body, encoding), this.options.context.cluster);
    const nowUs = this.nowUs();
    const samples = converted.samples.filter((s) => metricSampleProblem(s, nowUs) === null);
    const rejected = converted.rejected + converted.samples.length - samples.length;
    if (!this.options.buffer.offerSamples(samples))
      return { accepted: false, reason: 'ingest buffer is full; retry later' };
    if (rejected > 0) this.rejections.count('unsupported or invalid metric data point', rejected);
    return { accepted: true, rejected, reason: rejected > 0 ? 'unsupported or invalid data points' : '' };
  }
}
