import { resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import { kubernetesScrapeSchema } from '../collect/scrape/kubernetes-discovery.ts';
import { scrapeTargetSchema, type ScrapeTargetConfig } from '../collect/scrape/targets.ts';
import { PRICE_PROVIDERS, PRICING_KINDS, PriceBook } from '../analyze/cost/price-book.ts';
import { nodeFacts } from '../analyze/cost/node-labels.ts';
import { REQUEST_STATUSES } from '../model/request.ts';

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

/** Outcomes that burn an availability budget unless the SLO says otherwise. */
const DEFAULT_ERROR_STATUSES = ['error', 'timeout', 'rejected'] as const;

const sloSchema = z
  .strictObject({
    /** Used in Prometheus rule names and label values: letters, digits, - _ . */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected letters, digits, -, _ or .'),
    description: z.string().optional(),
    selector: selectorSchema,
    objective: z.number().gt(0).lt(1),
    window: duration.default('28d'),
    /** Weigh each request by its tokens (prompt + output): a failed 32k call burns more. */
    token_weighted: z.boolean().default(false),
    ttft: z
      .strictObject({
        bands: z.array(ttftBandSchema).min(1),
        /** Reasoning models: measure to the first visible token (hidden reasoning reported apart). */
        visible_token: z.boolean().default(false),
      })
      .optional(),
    tpot: z.strictObject({ threshold: duration }).optional(),
    availability: z
      .strictObject({
        count_as_errors: z.array(z.enum(REQUEST_STATUSES)).default([...DEFAULT_ERROR_STATUSES]),
      })
      .optional(),
    alerting: z
      .strictObject({
        page: z.boolean().default(true),
        ticket: z.boolean().default(true),
        /** How long the condition must hold before firing (Prometheus `for`). */
        for: duration.default('0s'),
        /** Hysteresis: keep firing this long after the condition clears (Prometheus `keep_firing_for`). */
        keep_firing_for: duration.default('5m'),
        /** Receivers (alerting.receivers[].name) to notify; all when empty. */
        notify: z.array(z.string()).default([]),
      })
      .prefault({}),
  })
  .superRefine((slo, ctx) => {
    const kinds = (['ttft', 'tpot', 'availability'] as const).filter((k) => slo[k] !== undefined);
    if (kinds.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `give exactly one SLI: ttft, tpot or availability (found ${kinds.length === 0 ? 'none' : kinds.join(', ')})`,
      });
    const bands = slo.ttft?.bands ?? [];
    bands.forEach((band, i) => {
      const last = i === bands.length - 1;
      if (last && band.max_prompt_tokens !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['ttft', 'bands', i, 'max_prompt_tokens'],
          message: 'the last band must be open (no max_prompt_tokens) so every prompt length has a threshold',
        });
      if (!last && band.max_prompt_tokens === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['ttft', 'bands', i, 'max_prompt_tokens'],
          message: 'required on every band but the last',
        });
      const previous = bands[i - 1]?.max_prompt_tokens;
      if (
        previous !== undefined &&
        band.max_prompt_tokens !== undefined &&
        band.max_prompt_tokens <= previous
      )
        ctx.addIssue({
          code: 'custom',
          path: ['ttft', 'bands', i, 'max_prompt_tokens'],
          message: 'bands must ascend',
        });
    });
  });

const receiverSchema = z.strictObject({
  name: z.string().min(1),
  /** slack: incoming webhook; alertmanager: Alertmanager webhook_config payload; webhook: our JSON. */
  kind: z.enum(['slack', 'alertmanager', 'webhook']),
  url: z.url(),
});

const alertingSchema = z
  .strictObject({
    evaluation_interval: duration.default('1m'),
    /** Evaluate this far behind now, so requests still in flight or in the ingest buffer are in. */
    evaluation_delay: duration.default('30s'),
    /** Base of the links in notifications (e.g. https://kubeburner.example.com); none when unset. */
    external_url: z.url().optional(),
    receivers: z.array(receiverSchema).default([]),
    /** A daily Slack digest of SLO status and spend. */
    digest: z
      .strictObject({ receiver: z.string(), hour_utc: z.number().int().min(0).max(23).default(9) })
      .optional(),
  })
  .prefault({});

const HEX_SHA256 = /^[0-9a-f]{64}$/;

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
        /**
         * sha256 (hex) of the bearer tokens senders must present (`Authorization: Bearer <token>`,
         * HTTP header or gRPC metadata); empty leaves the receiver open (docs/security.md).
         */
        bearer_tokens_sha256: z
          .array(z.string().regex(HEX_SHA256, 'expected 64 lowercase hex digits (sha256)'))
          .default([]),
        /**
         * Serve OTLP/HTTP and OTLP/gRPC over TLS (PEM files, e.g. a mounted Secret; relative
         * paths from the working directory). With client_ca_file, senders must present a
         * certificate that CA signed (mTLS); without it, any sender may connect.
         */
        tls: z
          .strictObject({
            cert_file: z.string().min(1),
            key_file: z.string().min(1),
            client_ca_file: z.string().min(1).optional(),
          })
          .optional(),
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
        /** Pods found through the Kubernetes API, listed again every `refresh_s`. */
        kubernetes: z.array(kubernetesScrapeSchema).default([]),
        refresh_s: z.number().positive().default(30),
      })
      .prefault({}),
    /** Send decomposed requests (request + phase spans) as OTLP/HTTP JSON to this traces endpoint. */
    export: z.strictObject({ otlp_traces_url: z.url().optional() }).prefault({}),
    /** Requests held in memory before receivers push back with 429. */
    max_pending_requests: z.number().int().positive().default(100_000),
    /**
     * The cost ledger (docs/cost.md): requests wait `settle` after an interval ends for late
     * records, and up to `max_hold` for requests the engine said were running; then it settles.
     */
    ledger: z.strictObject({ settle: duration.default('6s'), max_hold: duration.default('2m') }).prefault({}),
    /**
     * Accepted requests are logged here (fsynced) before they are acknowledged, and what a crash
     * left unstored is stored on the next start (docs/security.md). `dir` is under data_dir.
     */
    spool: z
      .strictObject({ enabled: z.boolean().default(true), dir: z.string().min(1).default('spool') })
      .prefault({}),
  })
  .prefault({});

const gatewayTenantSchema = z.strictObject({
  name: z.string().min(1),
  team: z.string().min(1),
  /** sha256 of the API key, hex (`kubeburner gateway hash-key <key>`); keys are never stored. */
  key_sha256: z.array(z.string().regex(HEX_SHA256, 'expected 64 lowercase hex digits (sha256)')).min(1),
  /** Models this tenant may call; all when empty. */
  models: z.array(z.string().min(1)).default([]),
  requests_per_minute: z.number().int().positive().optional(),
  /** Prompt + completion tokens per minute (prompt estimated at admission, corrected from usage). */
  tokens_per_minute: z.number().int().positive().optional(),
  /** Requests asking for more are capped to this (or refused with strict_max_tokens). */
  max_tokens: z.number().int().positive().optional(),
  strict_max_tokens: z.boolean().default(false),
  monthly_budget_usd: z.number().positive().optional(),
  monthly_budget_tokens: z.number().int().positive().optional(),
  priority: z.enum(['high', 'normal', 'low']).default('normal'),
  /** Keep prompt text with the request record (off: only hashes of its leading blocks). */
  store_prompts: z.boolean().default(false),
});

const gatewayUpstreamSchema = z.strictObject({
  name: z.string().min(1),
  /** Base URL of an OpenAI-compatible engine server (…/v1 is appended). */
  url: z.url(),
  /** Models it serves (a request goes only to upstreams serving its model). */
  models: z.array(z.string().min(1)).min(1),
  /** The replica name in scraped metrics, to read its queue and KV usage (default: name). */
  replica: z.string().optional(),
  /**
   * Send the tenant's priority class in the body's numeric `priority` field (high −1, normal 0,
   * low 1; lower runs earlier). Only for engines that schedule by it — vLLM started with
   * `--scheduling-policy priority`; others reject a non-zero priority.
   */
  priority_field: z.boolean().default(false),
});

const apiTokenSchema = z.strictObject({
  /** Who holds it (shown in logs and the UI, never the token). */
  name: z.string().min(1),
  /** sha256 of the token, hex; tokens themselves are never stored. */
  token_sha256: z.string().regex(HEX_SHA256, 'expected 64 lowercase hex digits (sha256)'),
  /** Scope the token to these teams: it then sees only their requests, costs and SLOs. */
  teams: z.array(z.string().min(1)).min(1).optional(),
});
export type ApiTokenConfig = z.infer<typeof apiTokenSchema>;

const gatewaySchema = z
  .strictObject({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8000),
    upstreams: z.array(gatewayUpstreamSchema).default([]),
    /**
     * Also route to every engine replica the collector scrapes (`collect.scrape`, Kubernetes pods
     * included) once its model is known; in `kubeburner collect`, which runs the gateway beside.
     */
    discover_upstreams: z.boolean().default(false),
    tenants: z.array(gatewayTenantSchema).default([]),
    routing: z
      .strictObject({
        /** Weights of the scorers; 0 turns one off. */
        weights: z
          .strictObject({
            least_outstanding_tokens: z.number().min(0).default(1),
            queue_depth: z.number().min(0).default(1),
            kv_cache: z.number().min(0).default(0.5),
            prefix_affinity: z.number().min(0).default(2),
            session_affinity: z.number().min(0).default(3),
          })
          .prefault({}),
        /** Prompt characters per hashed block for prefix affinity (~4 characters a token). */
        prefix_block_chars: z.number().int().positive().default(512),
        prefix_blocks: z.number().int().positive().default(4),
        /** Attempts on another replica when one fails before any byte reached the client. */
        retries: z.number().int().min(0).max(5).default(1),
      })
      .prefault({}),
    health: z
      .strictObject({
        interval: duration.default('5s'),
        /** Consecutive failures (health checks or requests) that eject a replica. */
        eject_after_failures: z.number().int().positive().default(3),
        eject_for: duration.default('30s'),
      })
      .prefault({}),
    /** Upstream response time limit (headers), per attempt. */
    upstream_timeout: duration.default('60s'),
    /** Request records held for the store before new ones are dropped (and counted). */
    max_buffered_records: z.number().int().positive().default(50_000),
  })
  .prefault({});

const pricingSchema = z
  .strictObject({
    /** Which price applies when a GPU has several: on_demand, reserved, spot or capacity_block. */
    kind: z.enum(PRICING_KINDS).default('on_demand'),
    /** Whose list prices are the defaults (docs/cost.md); overrides win over any of them. */
    provider: z.enum(PRICE_PROVIDERS).default('aws'),
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
    /**
     * Who bills whom in the FOCUS export (`chargeback --format focus`): for internal chargeback,
     * the platform team's own account and names rather than the cloud's (defaults: docs/cost.md).
     */
    focus: z
      .strictObject({
        billing_account_id: z.string().min(1).optional(),
        billing_account_name: z.string().min(1).optional(),
        invoice_issuer: z.string().min(1).optional(),
        provider: z.string().min(1).optional(),
        publisher: z.string().min(1).optional(),
      })
      .prefault({}),
  })
  .prefault({});

export const configSchema = z
  .strictObject({
    /** Where the embedded store and other state live. */
    data_dir: z
      .string()
      .min(1)
      // Kernel file systems take writes that never land (and reads that never end).
      .refine((dir) => !/^\/(proc|sys|dev)(\/|$)/.test(resolvePath(dir)), 'not under /proc, /sys or /dev')
      .default('.kubeburner'),
    log: z
      .strictObject({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      })
      .prefault({}),
    server: z
      .strictObject({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /**
         * API tokens (`kubeburner token create`). With none, the API and UI are open to whoever
         * reaches the port; with any, every /api and /metrics call needs one.
         */
        tokens: z.array(apiTokenSchema).default([]),
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
    /**
     * Served model name → the name KubeBurner stores, groups and selects on (engines report the
     * name they serve, e.g. meta-llama/Meta-Llama-3-70B-Instruct; scrape targets may say llama-3-70b).
     */
    model_aliases: z.record(z.string().min(1), z.string().min(1)).default({}),
    slos: z.array(sloSchema).default([]),
    alerting: alertingSchema,
    gateway: gatewaySchema,
    recommendations: z
      .strictObject({
        /**
         * Directory of Deployment manifests, one `<workload>.yaml` per workload (a GitOps checkout):
         * the target recommendations are previewed against and applied to.
         */
        manifests_dir: z.string().min(1).optional(),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    const receivers = new Set(config.alerting.receivers.map((r) => r.name));
    config.slos.forEach((slo, i) =>
      slo.alerting.notify.forEach((name, j) => {
        if (!receivers.has(name))
          ctx.addIssue({
            code: 'custom',
            path: ['slos', i, 'alerting', 'notify', j],
            message: `no receiver named "${name}" under alerting.receivers`,
          });
      }),
    );
    const names = config.slos.map((slo) => slo.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i)
        ctx.addIssue({
          code: 'custom',
          path: ['slos', i, 'name'],
          message: `another SLO is already named "${name}"`,
        });
    });
    const tokenOwners = new Map<string, string>();
    config.server.tokens.forEach((token, i) => {
      const owner = tokenOwners.get(token.token_sha256);
      if (owner !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['server', 'tokens', i, 'token_sha256'],
          message: `the same token is already "${owner}": a token must say who holds it`,
        });
      tokenOwners.set(token.token_sha256, token.name);
    });
    const keyOwners = new Map<string, string>();
    config.gateway.tenants.forEach((tenant, i) =>
      tenant.key_sha256.forEach((hash, j) => {
        const owner = keyOwners.get(hash);
        if (owner !== undefined && owner !== tenant.name)
          ctx.addIssue({
            code: 'custom',
            path: ['gateway', 'tenants', i, 'key_sha256', j],
            message: `the same key also belongs to tenant "${owner}"`,
          });
        keyOwners.set(hash, tenant.name);
      }),
    );
    unpricedTargets(config).forEach(({ index, message }) =>
      ctx.addIssue({ code: 'custom', path: ['collect', 'scrape', 'targets', index, 'gpu_type'], message }),
    );
    const digest = config.alerting.digest?.receiver;
    const digestKind = config.alerting.receivers.find((r) => r.name === digest)?.kind;
    if (digestKind === 'alertmanager')
      ctx.addIssue({
        code: 'custom',
        path: ['alerting', 'digest', 'receiver'],
        message: `receiver "${digest}" is an Alertmanager webhook, which takes alerts, not digests; use a slack or webhook receiver`,
      });
    if (digest !== undefined && !receivers.has(digest))
      ctx.addIssue({
        code: 'custom',
        path: ['alerting', 'digest', 'receiver'],
        message: `no receiver named "${digest}" under alerting.receivers`,
      });
  });

/**
 * Scrape targets that name a GPU type (or CPU) the price book cannot price: their requests and
 * idle time would be silently $0, so the config is refused (docs/cost.md). A node label with an
 * explicit price is enough.
 */
function unpricedTargets(config: {
  collect: { scrape: { targets: readonly ScrapeTargetConfig[] } };
  pricing: z.output<typeof pricingSchema>;
}): { index: number; message: string }[] {
  const prices = PriceBook.fromConfig(config.pricing);
  const out: { index: number; message: string }[] = [];
  config.collect.scrape.targets.forEach((target, index) => {
    if (target.gpu_type === undefined) return;
    let labelled: number | undefined;
    try {
      labelled = target.node_labels ? nodeFacts(target.node_labels).usdPerGpuHour : undefined;
    } catch {
      return; // reported on node_labels
    }
    if (labelled !== undefined) return;
    if (prices.findUsdPerGpuHour(target.gpu_type, target.cluster) !== null) return;
    out.push({
      index,
      message: prices.missing(target.gpu_type, target.cluster === 'default' ? undefined : target.cluster),
    });
  });
  return out;
}

export type KubeBurnerConfig = z.output<typeof configSchema>;
export type StoreConfig = KubeBurnerConfig['store'];
export type SloConfig = KubeBurnerConfig['slos'][number];
export type AlertingConfig = KubeBurnerConfig['alerting'];
export type ReceiverConfig = AlertingConfig['receivers'][number];

/** The team of each configured tenant. */
export function tenantTeams(config: Pick<KubeBurnerConfig, 'tenants'>): Record<string, string> {
  return Object.fromEntries(Object.entries(config.tenants).map(([tenant, t]) => [tenant, t.team]));
}
export type GatewayConfig = KubeBurnerConfig['gateway'];
export type GatewayTenantConfig = GatewayConfig['tenants'][number];
