import { z } from 'zod';
import { scrapeTargetSchema } from '../collect/scrape/targets.ts';
import { PRICING_KINDS } from '../analyze/cost/price-book.ts';

const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'expected a duration such as 500ms, 30s, 5m, 1h or 28d');

const retentionSchema = z
  .strictObject({
    requests_days: z.number().int().positive().default(30),
    spans_days: z.number().int().positive().default(30),
    metrics_days: z.number().int().positive().default(15),
  })
  .prefault({});

const duckdbSchema = z
  .strictObject({
    /** Database file; relative paths resolve against data_dir. */
    path: z.string().min(1).default('kubeburner.duckdb'),
    memory_limit: z.string().optional(),
    threads: z.number().int().positive().optional(),
  })
  .prefault({});

const clickhouseSchema = z
  .strictObject({
    url: z.url().default('http://127.0.0.1:8123'),
    database: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an identifier')
      .default('kubeburner'),
    username: z.string().default('default'),
    password: z.string().default(''),
    request_timeout_ms: z.number().int().positive().default(30_000),
    /** Set to create replicated/distributed tables ON CLUSTER (see docs/clickhouse.md). */
    cluster: z.string().optional(),
  })
  .prefault({});

const storeSchema = z
  .strictObject({
    backend: z.enum(['duckdb', 'clickhouse']).default('duckdb'),
    duckdb: duckdbSchema,
    clickhouse: clickhouseSchema,
    retention: retentionSchema,
  })
  .prefault({});

const selectorSchema = z
  .strictObject({
    model: z.string().optional(),
    team: z.string().optional(),
    workload: z.string().optional(),
    cluster: z.string().optional(),
  })
  .prefault({});

const ttftBandSchema = z.strictObject({
  /** Upper bound (inclusive) of the prompt-length band; omit on the last band. */
  max_prompt_tokens: z.number().int().positive().optional(),
  threshold: duration,
});

const sloSchema = z.strictObject({
  name: z.string().min(1),
  selector: selectorSchema,
  objective: z.number().gt(0).lt(1),
  window: duration.default('28d'),
  token_weighted: z.boolean().default(false),
  ttft: z.strictObject({ bands: z.array(ttftBandSchema).min(1) }).optional(),
  tpot: z.strictObject({ threshold: duration }).optional(),
  availability: z.strictObject({ count_as_errors: z.array(z.string()).optional() }).optional(),
});

const collectSchema = z
  .strictObject({
    /** Cluster name put on data whose source does not say (OTLP traces). */
    cluster: z.string().default('default'),
    otlp: z
      .strictObject({
        enabled: z.boolean().default(true),
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(4318),
        /** OTLP/gRPC port; null turns gRPC off. */
        grpc_port: z.number().int().min(0).max(65535).nullable().default(4317),
        max_body_bytes: z
          .number()
          .int()
          .positive()
          .default(16 * 1024 * 1024),
      })
      .prefault({}),
    scrape: z
      .strictObject({
        targets: z.array(scrapeTargetSchema).default([]),
      })
      .prefault({}),
    /** Send decomposed requests (request + phase spans) as OTLP/HTTP JSON to this traces endpoint. */
    export: z.strictObject({ otlp_traces_url: z.url().optional() }).prefault({}),
    /** Requests held in memory before receivers push back with 429. */
    max_pending_requests: z.number().int().positive().default(100_000),
  })
  .prefault({});

const pricingSchema = z
  .strictObject({
    /** Which price applies when a GPU has several: on_demand, reserved or spot. */
    kind: z.enum(PRICING_KINDS).default('on_demand'),
    /** What you actually pay; the most specific entry wins (cluster over general). */
    overrides: z
      .array(
        z.strictObject({
          gpu_type: z.string().min(1),
          cluster: z.string().optional(),
          kind: z.enum(PRICING_KINDS).optional(),
          usd_per_gpu_hour: z.number().positive(),
        }),
      )
      .default([]),
  })
  .prefault({});

export const configSchema = z.strictObject({
  /** Where the embedded store and other state live. */
  data_dir: z.string().min(1).default('.kubeburner'),
  log: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    })
    .prefault({}),
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
    })
    .prefault({}),
  privacy: z
    .strictObject({
      /** Prompt text is never stored unless this is turned on. */
      store_prompt_text: z.boolean().default(false),
    })
    .prefault({}),
  store: storeSchema,
  collect: collectSchema,
  pricing: pricingSchema,
  /**
   * Tenants (the `tenant` of a request: API key owner, `user` field, OTLP attribute) and the team
   * each bills to. Engines' traces know the tenant at best, so this map is where their team comes
   * from; the gateway adds keys and limits here.
   */
  tenants: z.record(z.string().min(1), z.strictObject({ team: z.string().min(1) })).default({}),
  slos: z.array(sloSchema).default([]),
});

export type KubeBurnerConfig = z.output<typeof configSchema>;
export type StoreConfig = KubeBurnerConfig['store'];
export type SloConfig = KubeBurnerConfig['slos'][number];

/** The team of each configured tenant. */
export function tenantTeams(config: Pick<KubeBurnerConfig, 'tenants'>): Record<string, string> {
  return Object.fromEntries(Object.entries(config.tenants).map(([tenant, t]) => [tenant, t.team]));
}
