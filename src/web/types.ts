/** The shapes of the API answers the pages read (see /api/openapi.json and docs/api.md). */

export interface RequestRow {
  requestId: string;
  arrivalUs: number;
  finishedUs: number | null;
  tenant: string;
  team: string | null;
  cluster: string;
  workload: string | null;
  model: string;
  engine: string;
  replica: string;
  status: string;
  errorClass: string | null;
  ttftUs: number | null;
  e2eUs: number | null;
  queueUs: number | null;
  prefillUs: number | null;
  decodeUs: number | null;
  tpotUs: number | null;
  promptTokens: number;
  cachedPromptTokens: number;
  outputTokens: number;
  preemptions: number;
  costUsd: number | null;
  cacheSavingsUsd: number | null;
}

export interface SpanRow {
  spanId: string;
  parentSpanId: string | null;
  kind: string;
  name: string;
  startUs: number;
  durationUs: number;
  estimated: boolean;
  costUsd: number | null;
  attributes: Record<string, string>;
}

export interface Attribution {
  e2eUs: number;
  parts: { part: string; us: number; share: number }[];
  blame: string | null;
}

export interface RequestDetail {
  request: RequestRow;
  spans: SpanRow[];
  attribution: Attribution;
  explanation: {
    label: string;
    phase: string | null;
    excessUs: number | null;
    phases: { phase: string; us: number | null; typicalUs: number | null }[];
  };
  typical: {
    requests: number;
    e2eUs: number | null;
    ttftUs: number | null;
    promptTokens: number | null;
    outputTokens: number | null;
    costUsd: number | null;
  };
}

export interface AggregateRow {
  group: Record<string, string>;
  values: Record<string, number | null>;
}

export interface SeriesPoint {
  group: string;
  t: number;
  requests: number;
  errors: number;
  requestsPerSecond: number;
  ttftP50Us: number | null;
  ttftP99Us: number | null;
  e2eP99Us: number | null;
  costUsd: number;
  outputTokens: number;
}

export interface Regression {
  group: string;
  requests: number;
  ttftP99Us: number | null;
  baselineTtftP99Us: number | null;
  e2eP99Us: number | null;
  baselineE2eP99Us: number | null;
  errorRatio: number;
  baselineErrorRatio: number;
  severity: number;
  summary: string;
}

export interface Overview {
  scope: { name: string; teams: string[] | null };
  traffic: {
    requests: number;
    requestsPerSecond: number;
    errorRatio: number | null;
    ttftP99Us: number | null;
    e2eP99Us: number | null;
  };
  spend: { usagePerHourUsd: number; idlePerHourUsd: number | null; totalPerHourUsd: number };
  replicasReporting: number | null;
  slos: { slo: string; objective: number; sli: number | null; budgetRemaining: number; firing: string[] }[];
  regressions: Regression[];
}

export interface WindowBurn {
  window: string;
  good: number;
  total: number;
  errorRatio: number;
  burnRate: number;
}

export interface AlertStatus {
  alert: string;
  severity: string;
  burnRate: number;
  threshold: number;
  long: WindowBurn;
  short: WindowBurn;
  state: string;
  firedAtUs: number | null;
}

export interface SloStatus {
  slo: string;
  description: string | null;
  selector: Record<string, string>;
  objective: number;
  window: string;
  tokenWeighted: boolean;
  good: number;
  total: number;
  sli: number | null;
  budgetRemaining: number;
  bands: { band: string; good: number; total: number; errorRatio: number }[];
  windows: WindowBurn[];
  alerts: AlertStatus[];
}

export interface Evidence {
  metric: string;
  unit: string;
  before: number | null;
  after: number | null;
  ratio: number | null;
}

export interface RankedCause {
  cause: string;
  score: number;
  summary: string;
  evidence: Evidence[];
  replica?: string;
  tenant?: string;
}

export interface AlertReport {
  bands: { band: string; bad: number; total: number; errorRatio: number }[];
  replicas: { replica: string; bad: number; total: number; shareOfBad: number }[];
  phases: { queue: number; prefill: number; decode: number } | null;
  rootCause: RankedCause | null;
  otherCauses: RankedCause[];
  impact: { totalUsd: number; perHourUsd: number; badEventSpendUsd: number; extraGpuSpendUsd: number };
  proposals?: { id: string; title: string }[];
}

export interface OpsEvent {
  timeUs: number;
  kind: string;
  subject: string;
  state: string;
  body: { report?: AlertReport | null } & Record<string, unknown>;
}

export interface Incident {
  slo: string;
  alert: string;
  startedUs: number;
  resolvedUs: number | null;
  severity: string | null;
  report: AlertReport | null;
}

export interface ChargebackRow {
  kind: 'usage' | 'idle';
  group: Record<string, string>;
  nodePool?: string;
  requests: number;
  promptTokens: number;
  cachedPromptTokens: number;
  outputTokens: number;
  costUsd: number;
  cacheSavingsUsd: number;
  usdPer1kTokens: number | null;
}

export interface ChargebackReport {
  by: string[];
  rows: ChargebackRow[];
  totals: {
    requests: number;
    costUsd: number;
    outputTokens: number;
    promptTokens: number;
    usdPer1kTokens: number | null;
  };
  idleCostUsd: number;
}

export interface RecommendationRecord {
  recommendation: {
    id: string;
    title: string;
    cause: string;
    evidence: Evidence[];
    expectedEffect: string;
    createdAtUs: number;
    change: { workload: string } & Record<string, unknown>;
  };
  state: string;
  history: { state: string; who: string; atUs: number }[];
  preview?: { file: string; diff: string } | null;
}
