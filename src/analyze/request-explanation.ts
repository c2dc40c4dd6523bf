import type { InferenceRequest } from '../model/request.ts';
import { measureKey, type Store, type TimeRange } from '../store/store.ts';
import { CAUSE_TITLES, compareWindows, type Cause } from './rca/compare-windows.ts';
import { pickComparisonWindows } from './rca/comparison-windows.ts';

/**
 * The mean request of the same model around one request: what "normal" looked like then. Means,
 * not medians, so the phases add up to the end-to-end time as they do for one request.
 */
export interface PeerMeans {
  requests: number;
  range: TimeRange;
  e2eUs: number | null;
  ttftUs: number | null;
  queueUs: number | null;
  prefillUs: number | null;
  decodeUs: number | null;
  promptTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
}

export type ExplainedPhase = 'queue' | 'prefill' | 'decode' | 'outside engine';

/** The incident the request's model was in when the request ran, as the window analysis names it. */
export interface Incident {
  cause: Cause;
  title: string;
  /** The cause's evidence, one line. */
  summary: string;
  window: TimeRange;
}

export interface RequestExplanation {
  /** One line for the UI: what made this request slow, or that it was typical. */
  label: string;
  /** Set when the request ran inside an incident that explains its slowest phase (named first). */
  incident?: Incident;
  /** The phase that added the most time over the mean peer; null when it was not slow. */
  phase: ExplainedPhase | null;
  /** Time this request took beyond its peers' mean (e2e), µs; null without peers. */
  excessUs: number | null;
  phases: { phase: ExplainedPhase; us: number | null; typicalUs: number | null }[];
}

/** Peers are the same model's successful requests within this distance of the request's arrival. */
export const PEER_WINDOW_US = 15 * 60e6;
/** A request this close to its peers' mean is "typical", not slow. */
const TYPICAL_RATIO = 1.5;

export async function peerMeans(store: Store, request: InferenceRequest): Promise<PeerMeans> {
  const range = { fromUs: request.arrivalUs - PEER_WINDOW_US, toUs: request.arrivalUs + PEER_WINDOW_US };
  const fields = [
    'e2e_us',
    'ttft_us',
    'queue_us',
    'prefill_us',
    'decode_us',
    'prompt_tokens',
    'output_tokens',
    'cost_usd',
  ] as const;
  const [row] = await store.aggregateRequests({
    range,
    where: { model: [request.model], status: ['ok'] },
    groupBy: [],
    measures: [{ fn: 'count' }, ...fields.map((field) => ({ fn: 'avg' as const, field }))],
  });
  const mean = (field: (typeof fields)[number]) => row?.values[measureKey({ fn: 'avg', field })] ?? null;
  return {
    requests: row?.values.count ?? 0,
    range,
    e2eUs: mean('e2e_us'),
    ttftUs: mean('ttft_us'),
    queueUs: mean('queue_us'),
    prefillUs: mean('prefill_us'),
    decodeUs: mean('decode_us'),
    promptTokens: mean('prompt_tokens'),
    outputTokens: mean('output_tokens'),
    costUsd: mean('cost_usd'),
  };
}

/** The incident analysis looks at the 5 minutes up to a request's end against the 30 before them. */
const INCIDENT_WINDOWS = { shortUs: 5 * 60e6, longUs: 30 * 60e6 };

/**
 * The incident around a request: the minutes up to its end compared with a healthy stretch before
 * (comparison-windows.ts picks both as for an alert; compare-windows.ts compares from the change's
 * onset); null unless the analysis names a cause.
 */
export async function incidentAround(store: Store, request: InferenceRequest): Promise<Incident | null> {
  const endUs = request.arrivalUs + Math.max(0, request.e2eUs ?? 0) + 1;
  const filter = { where: { model: [request.model] } };
  const { window, baseline } = await pickComparisonWindows(
    store,
    { ...filter, range: { fromUs: endUs - INCIDENT_WINDOWS.longUs, toUs: endUs } },
    INCIDENT_WINDOWS,
    endUs,
  );
  const { verdict } = await compareWindows(store, filter, window, baseline);
  if (verdict.kind !== 'cause') return null;
  const { cause, summary } = verdict.cause;
  return { cause, title: CAUSE_TITLES[cause], summary, window };
}

/** The phases each cause slows: a request slow in one of them is explained by the incident first. */
const CAUSE_PHASES: Record<Cause, readonly ExplainedPhase[]> = {
  queue_saturation: ['queue', 'decode'],
  kv_pressure: ['queue', 'prefill', 'decode'],
  prefix_cache_miss: ['prefill', 'queue'],
  batch_fragmentation: ['queue', 'decode'],
  prefill_bottleneck: ['prefill', 'queue'],
  decode_bottleneck: ['decode'],
  tp_straggler: ['decode', 'prefill'],
  interconnect_slowdown: ['decode', 'prefill'],
  replica_unhealthy: ['queue', 'decode'],
  replica_outlier: ['queue', 'prefill', 'decode'],
  gateway_overhead: ['outside engine'],
  error_spike: [],
};

/**
 * Puts the incident first when it explains the request's slowest phase, or when the request was
 * no slower than its peers then (the incident slowed them all): a request that waited 66 s in a
 * load spike is a load-spike request before it is a long one.
 */
export function inIncidentTerms(
  explanation: RequestExplanation,
  incident: Incident | null,
): RequestExplanation {
  if (!incident || explanation.excessUs === null) return explanation; // none, failed, or no peers
  if (explanation.phase !== null && !CAUSE_PHASES[incident.cause].includes(explanation.phase))
    return explanation;
  return {
    ...explanation,
    incident,
    label: `during ${incident.summary} — this request: ${explanation.label}`,
  };
}

const seconds = (us: number) => (us >= 1e6 ? `${(us / 1e6).toFixed(2)} s` : `${Math.round(us / 1e3)} ms`);

function outsideEngine(parts: {
  e2e: number | null;
  queue: number | null;
  prefill: number | null;
  decode: number | null;
}) {
  if (parts.e2e === null) return null;
  const engine = (parts.queue ?? 0) + (parts.prefill ?? 0) + (parts.decode ?? 0);
  return Math.max(0, parts.e2e - engine);
}

/** A wait in the queue this large a share of the request's life is its cause, whatever its peers did. */
const QUEUE_DOMINANT_SHARE = 0.3;

/**
 * A request that spent a large share of its life waiting for the engine — and longer than it
 * spent computing — is explained by that wait first: its peers may have waited too (a load spike
 * queues everyone), which makes the wait the cause, not typical. Null when the queue did not
 * dominate.
 */
function queueDominated(
  request: InferenceRequest,
  peers: PeerMeans,
): Omit<RequestExplanation, 'phases'> | null {
  const { queueUs, e2eUs } = request;
  if (queueUs === null || e2eUs === null || e2eUs <= 0) return null;
  const computeUs = (request.prefillUs ?? 0) + (request.decodeUs ?? 0);
  if (queueUs < QUEUE_DOMINANT_SHARE * e2eUs || queueUs < computeUs) return null;
  const typical = peers.queueUs !== null && peers.requests > 0 ? ` vs ${seconds(peers.queueUs)} typical` : '';
  return {
    label: `waited in the engine queue: ${seconds(queueUs)}${typical} (${Math.round((100 * queueUs) / e2eUs)} % of its ${seconds(e2eUs)})`,
    phase: 'queue',
    excessUs: peers.e2eUs === null ? null : e2eUs - peers.e2eUs,
  };
}

/**
 * Why one request took as long as it did, against the mean peer of its model at the time: the
 * phase with the largest excess is the cause. A long decode with many more output tokens than usual
 * is "long output", not a slow GPU; a long prefill with a long prompt likewise.
 */
export function explainRequest(request: InferenceRequest, peers: PeerMeans): RequestExplanation {
  const phases: RequestExplanation['phases'] = [
    { phase: 'queue', us: request.queueUs, typicalUs: peers.queueUs },
    { phase: 'prefill', us: request.prefillUs, typicalUs: peers.prefillUs },
    { phase: 'decode', us: request.decodeUs, typicalUs: peers.decodeUs },
    {
      phase: 'outside engine',
      us: outsideEngine({
        e2e: request.e2eUs,
        queue: request.queueUs,
        prefill: request.prefillUs,
        decode: request.decodeUs,
      }),
      typicalUs: outsideEngine({
        e2e: peers.e2eUs,
        queue: peers.queueUs,
        prefill: peers.prefillUs,
        decode: peers.decodeUs,
      }),
    },
  ];
  if (request.status !== 'ok')
    return {
      label: `${request.status}${request.errorClass ? ` (${request.errorClass})` : ''}`,
      phase: null,
      excessUs: null,
      phases,
    };
  const queued = queueDominated(request, peers);
  if (queued) return { ...queued, phases };
  if (peers.requests === 0 || peers.e2eUs === null || request.e2eUs === null)
    return { label: 'no peers of this model around it to compare with', phase: null, excessUs: null, phases };
  const excessUs = request.e2eUs - peers.e2eUs;
  if (request.e2eUs <= peers.e2eUs * TYPICAL_RATIO)
    return { label: `typical for ${request.model}`, phase: null, excessUs, phases };
  const worst = phases
    .filter((p) => p.us !== null && p.typicalUs !== null)
    .map((p) => ({ ...p, excess: (p.us as number) - (p.typicalUs as number) }))
    .sort((a, b) => b.excess - a.excess)[0];
  if (!worst || worst.excess <= 0)
    return { label: `slower than typical (${seconds(excessUs)} more)`, phase: null, excessUs, phases };
  const vs = `${seconds(worst.us as number)} vs ${seconds(worst.typicalUs as number)} typical`;
  const tokens = (mine: number | null, typical: number | null) =>
    mine !== null && typical !== null && typical > 0 && mine > typical * 2;
  let label: string;
  if (worst.phase === 'decode' && tokens(request.outputTokens, peers.outputTokens))
    label = `long output: ${request.outputTokens} tokens vs ${Math.round(peers.outputTokens as number)} typical (decode ${vs})`;
  else if (worst.phase === 'prefill' && tokens(request.promptTokens, peers.promptTokens))
    label = `long prompt: ${request.promptTokens} tokens vs ${Math.round(peers.promptTokens as number)} typical (prefill ${vs})`;
  else
    label = {
      queue: `waited in the engine queue: ${vs}`,
      prefill: `slow prefill: ${vs}`,
      decode: `slow decode: ${vs}`,
      'outside engine': `time outside the engine (gateway, network, stream): ${vs}`,
    }[worst.phase];
  if (request.preemptions > 0) label += ` · preempted ${request.preemptions}×`;
  return { label, phase: worst.phase, excessUs, phases };
}
