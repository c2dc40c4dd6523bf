/**
 * KubeBurner's Grafana dashboard over the series it exports on /metrics (canonical-metrics.ts) and
 * the gateway's (gateway-metrics.ts), for teams whose dashboards live in Grafana. Built here from a
 * short list of panels; `deploy/grafana/kubeburner.json` is its output (npm run deploy:gen).
 */

interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  /** PromQL with Grafana's `$__rate_interval` and the dashboard's `$cluster` / `$model`. */
  targets: { expr: string; legend: string }[];
}

interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

/** The dashboard's cluster and model filters, on every series that has both labels. */
const S = 'cluster=~"$cluster", model=~"$model"';
const RATE = '[$__rate_interval]';

const quantile = (q: number, metric: string, by: string) =>
  `histogram_quantile(${q}, sum by (le, ${by}) (rate(${metric}_bucket{${S}}${RATE})))`;

export const DASHBOARD_ROWS: readonly RowSpec[] = [
  {
    title: 'Traffic and latency',
    panels: [
      {
        title: 'Requests per second',
        description: 'Finished requests by model and status',
        unit: 'reqps',
        targets: [
          {
            expr: `sum by (model, status) (rate(kubeburner_requests_total{${S}}${RATE}))`,
            legend: '{{model}} {{status}}',
          },
        ],
      },
      {
        title: 'Error ratio',
        description: 'Share of finished requests that did not end ok',
        unit: 'percentunit',
        targets: [
          {
            // 1 − ok/all: defined even while no request has failed (no non-ok series exist yet).
            expr: `1 - sum by (model) (rate(kubeburner_requests_total{${S}, status="ok"}${RATE})) / sum by (model) (rate(kubeburner_requests_total{${S}}${RATE}))`,
            legend: '{{model}}',
          },
        ],
      },
      {
        title: 'Time to first token',
        description: 'p50 and p99 by model',
        unit: 's',
        targets: [
          { expr: quantile(0.5, 'kubeburner_request_ttft_seconds', 'model'), legend: 'p50 {{model}}' },
          { expr: quantile(0.99, 'kubeburner_request_ttft_seconds', 'model'), legend: 'p99 {{model}}' },
        ],
      },
      {
        title: 'TTFT p99 by prompt length',
        description: 'Long prompts take longer to prefill: the SLO bands of the same histogram',
        unit: 's',
        targets: [
          {
            expr: quantile(0.99, 'kubeburner_request_ttft_seconds', 'prompt_band'),
            legend: '{{prompt_band}}',
          },
        ],
      },
      {
        title: 'Time per output token',
        description: 'p50 and p99 by model',
        unit: 's',
        targets: [
          {
            expr: quantile(0.5, 'kubeburner_request_time_per_output_token_seconds', 'model'),
            legend: 'p50 {{model}}',
          },
          {
            expr: quantile(0.99, 'kubeburner_request_time_per_output_token_seconds', 'model'),
            legend: 'p99 {{model}}',
          },
        ],
      },
      {
        title: 'End-to-end latency p99',
        description: 'Arrival to last token, by model',
        unit: 's',
        targets: [
          { expr: quantile(0.99, 'kubeburner_request_duration_seconds', 'model'), legend: '{{model}}' },
        ],
      },
    ],
  },
  {
    title: 'Engines',
    panels: [
      {
        title: 'Scheduler queue',
        description: 'Requests waiting for a first schedule and running, by model (all engines, one name)',
        unit: 'short',
        targets: [
          { expr: `sum by (model) (kubeburner_llm_requests_waiting{${S}})`, legend: 'waiting {{model}}' },
          { expr: `sum by (model) (kubeburner_llm_requests_running{${S}})`, legend: 'running {{model}}' },
        ],
      },
      {
        title: 'KV cache usage',
        description: 'Share of KV-cache blocks in use, by replica; near 1 means preemptions',
        unit: 'percentunit',
        targets: [{ expr: `max by (replica) (kubeburner_llm_kv_cache_usage{${S}})`, legend: '{{replica}}' }],
      },
      {
        title: 'Prefix-cache hit ratio',
        description: 'Prompt tokens served from the prefix cache per prompt token looked up, by model',
        unit: 'percentunit',
        targets: [
          {
            expr: `sum by (model) (rate(kubeburner_llm_prefix_cache_hits_total{${S}}${RATE})) / sum by (model) (rate(kubeburner_llm_prefix_cache_queries_total{${S}}${RATE}))`,
            legend: '{{model}}',
          },
        ],
      },
      {
        title: 'Token throughput',
        description: 'Prompt tokens computed and output tokens generated per second, by model',
        unit: 'short',
        targets: [
          {
            expr: `sum by (model) (rate(kubeburner_llm_tokens_prompt_computed_total{${S}}${RATE}))`,
            legend: 'prompt {{model}}',
          },
          {
            expr: `sum by (model) (rate(kubeburner_llm_tokens_generated_total{${S}}${RATE}))`,
            legend: 'output {{model}}',
          },
        ],
      },
      {
        title: 'Preemptions',
        description: 'Sequences preempted per second (KV cache ran out), by replica',
        unit: 'short',
        targets: [
          {
            expr: `sum by (replica) (rate(kubeburner_llm_preemptions_total{${S}}${RATE}))`,
            legend: '{{replica}}',
          },
        ],
      },
    ],
  },
  {
    title: 'GPUs',
    panels: [
      {
        title: 'GPU utilization',
        description: 'DCGM GPU utilization averaged over each replica’s GPUs; a straggler stands out',
        unit: 'percentunit',
        targets: [{ expr: `avg by (replica) (kubeburner_gpu_utilization{${S}})`, legend: '{{replica}}' }],
      },
      {
        title: 'GPU power',
        description: 'DCGM board power summed over each replica’s GPUs',
        unit: 'watt',
        targets: [{ expr: `sum by (replica) (kubeburner_gpu_power{${S}})`, legend: '{{replica}}' }],
      },
    ],
  },
  {
    title: 'Cost',
    panels: [
      {
        title: 'Spend rate',
        description:
          'GPU dollars per hour of finished requests, by model (idle GPUs are in the KubeBurner UI)',
        unit: 'currencyUSD',
        targets: [
          {
            expr: `sum by (model) (rate(kubeburner_request_cost_usd_total{${S}}${RATE})) * 3600`,
            legend: '{{model}}',
          },
        ],
      },
      {
        title: 'Cost per 1k tokens',
        description: 'Dollars per thousand prompt and output tokens, by model',
        unit: 'currencyUSD',
        targets: [
          {
            expr: `1000 * sum by (model) (rate(kubeburner_request_cost_usd_total{${S}}${RATE})) / sum by (model) (rate(kubeburner_request_tokens_total{${S}, type=~"input|output"}${RATE}))`,
            legend: '{{model}}',
          },
        ],
      },
    ],
  },
  {
    title: 'SLOs',
    panels: [
      {
        title: 'SLO error ratio (1h)',
        description:
          'Bad events per event over the last hour, by SLO; the budget burns when it passes 1 − objective',
        unit: 'percentunit',
        targets: [
          {
            expr: 'sum by (slo) (rate(kubeburner_slo_events_total{outcome="bad"}[1h])) / sum by (slo) (rate(kubeburner_slo_events_total[1h]))',
            legend: '{{slo}}',
          },
        ],
      },
    ],
  },
  {
    title: 'Gateway',
    panels: [
      {
        title: 'Gateway requests',
        description: 'Requests the gateway finished, by outcome',
        unit: 'reqps',
        targets: [
          { expr: `sum by (status) (rate(kubeburner_gateway_requests_total${RATE}))`, legend: '{{status}}' },
        ],
      },
      {
        title: 'Gateway overhead p99',
        description: 'Arrival at the gateway to the request leaving for a replica',
        unit: 's',
        targets: [
          {
            expr: `histogram_quantile(0.99, sum by (le) (rate(kubeburner_gateway_overhead_seconds_bucket${RATE})))`,
            legend: 'p99',
          },
        ],
      },
      {
        title: 'Client-perceived TTFT p99',
        description: 'Time to first token measured at the gateway, by model',
        unit: 's',
        targets: [
          {
            expr: `histogram_quantile(0.99, sum by (le, model) (rate(kubeburner_gateway_time_to_first_token_seconds_bucket${RATE})))`,
            legend: '{{model}}',
          },
        ],
      },
      {
        title: 'Replicas out of rotation',
        description: 'Replicas the gateway has ejected after failed health checks or requests',
        unit: 'short',
        targets: [{ expr: 'sum(1 - kubeburner_gateway_upstream_healthy)', legend: 'ejected' }],
      },
    ],
  },
];

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

function variable(name: string, label: string, query: string) {
  return {
    name,
    label,
    type: 'query',
    datasource: DATASOURCE,
    definition: query,
    query: { query, refId: `${name}-values` },
    refresh: 2, // on time-range change
    includeAll: true,
    multi: true,
    allValue: '.*',
    current: { text: 'All', value: '$__all' },
    sort: 1,
  };
}

/** The dashboard as Grafana's JSON model (import it, or provision it from a ConfigMap). */
export function grafanaDashboard(): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of DASHBOARD_ROWS) {
    panels.push({
      id: id++,
      type: 'row',
      title: row.title,
      collapsed: false,
      panels: [],
      gridPos: { h: 1, w: 24, x: 0, y },
    });
    y += 1;
    row.panels.forEach((panel, i) => {
      panels.push({
        id: id++,
        type: 'timeseries',
        title: panel.title,
        description: panel.description,
        datasource: DATASOURCE,
        fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
        options: {
          legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
          tooltip: { mode: 'multi' },
        },
        targets: panel.targets.map((t, j) => ({
          refId: String.fromCharCode(65 + j),
          datasource: DATASOURCE,
          expr: t.expr,
          legendFormat: t.legend,
        })),
        gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: y + Math.floor(i / 2) * 8 },
      });
    });
    y += Math.ceil(row.panels.length / 2) * 8;
  }
  return {
    uid: 'kubeburner-inference',
    title: 'KubeBurner — inference',
    description: 'Latency, engines, GPUs, cost and SLOs of LLM inference, from KubeBurner’s /metrics',
    tags: ['kubeburner', 'llm', 'inference'],
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timezone: 'browser',
    templating: {
      list: [
        { name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {} },
        variable('cluster', 'Cluster', 'label_values(kubeburner_requests_total, cluster)'),
        variable('model', 'Model', 'label_values(kubeburner_requests_total{cluster=~"$cluster"}, model)'),
      ],
    },
    panels,
  };
}

/**
 * The committed deploy/ files: the dashboard JSON (Grafana → Import) and a ConfigMap that
 * Grafana's dashboard sidecar (kube-prometheus-stack: label `grafana_dashboard: "1"`) provisions.
 */
export function grafanaDashboardFiles(): Record<string, string> {
  const json = `${JSON.stringify(grafanaDashboard(), null, 2)}\n`;
  const configMap = [
    '# Generated by `npm run deploy:gen` from src/serve/grafana-dashboard.ts. Do not edit by hand.',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: kubeburner-grafana-dashboard',
    '  labels:',
    '    app.kubernetes.io/name: kubeburner',
    "    grafana_dashboard: '1'",
    'data:',
    '  kubeburner.json: |',
    ...json
      .trimEnd()
      .split('\n')
      .map((line) => `    ${line}`),
    '',
  ].join('\n');
  return {
    'deploy/grafana/kubeburner.json': json,
    'deploy/kubernetes/grafana-dashboard.yaml': configMap,
  };
}
