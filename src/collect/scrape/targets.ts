import { z } from 'zod';
import { SIGNAL_SOURCES } from '../../model/engine.ts';
import { nodeFacts } from '../../analyze/cost/node-labels.ts';

export const scrapeTargetSchema = z
  .strictObject({
    /** Full URL of the exposition, e.g. http://vllm-0:8000/metrics. */
    url: z.url(),
    /** Engine, or detected from the exposition when omitted. */
    engine: z.enum(SIGNAL_SOURCES).optional(),
    cluster: z.string().default('default'),
    /** Replica (pod) name; defaults to host:port. */
    replica: z.string().optional(),
    /** Model, for engines whose metrics do not name it (llama.cpp, TGI, Triton). */
    model: z.string().optional(),
    /** GPU type and count behind this replica; prices its collected requests (see docs/cost.md). */
    gpu_type: z.string().optional(),
    gpu_count: z.number().int().positive().default(1),
    /** Where the replica runs: its idle cost is reported per namespace, workload and node pool. */
    namespace: z.string().optional(),
    workload: z.string().optional(),
    node: z.string().optional(),
    node_pool: z.string().optional(),
    /**
     * The Kubernetes labels of the replica's node: GPU type, pricing kind (spot, on-demand,
     * reserved), node pool and a per-node price (`kubeburner.io/usd-per-gpu-hour`); see docs/cost.md.
     * Fields set above win over what the labels say.
     */
    node_labels: z.record(z.string(), z.string()).optional(),
    interval_s: z.number().positive().default(15),
    timeout_s: z.number().positive().default(5),
    /**
     * Base URL of the replica's OpenAI-compatible API, when it is not the metrics URL's origin
     * (Triton serves metrics on another port); the gateway routes to it with discovery.
     */
    api_url: z.url().optional(),
    /** llama.cpp: also read /slots for KV occupancy (2026 builds have no KV gauge). */
    slots: z.boolean().default(false),
    /**
     * Sequences the replica runs at once with a full batch (vLLM `--max-num-seqs`, SGLang
     * `--max-running-requests`, llama.cpp `-np`, learnt from /slots): busy time below it is
     * under-filled in the cost ledger (docs/cost.md). Unknown: nothing is called under-filled.
     */
    max_batch: z.number().int().positive().optional(),
  })
  .superRefine((target, ctx) => {
    // Bad node labels are a config error, reported where the config is checked, not at start-up.
    try {
      if (target.node_labels) nodeFacts(target.node_labels);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['node_labels'], message: (err as Error).message });
    }
  });

export type ScrapeTargetConfig = z.output<typeof scrapeTargetSchema>;

/** Where targets come from: the config (static) or the Kubernetes API (kubernetes-discovery.ts). */
export interface TargetDiscovery {
  targets(): Promise<ScrapeTargetConfig[]>;
}

export class StaticDiscovery implements TargetDiscovery {
  constructor(private readonly list: ScrapeTargetConfig[]) {}

  async targets(): Promise<ScrapeTargetConfig[]> {
    return this.list;
  }
}

/** A target's identity: its URL and replica (a new pod may come up on a departed pod's IP). */
/** Targets from several sources (the config's and the Kubernetes API's), first one per URL. */
export class CombinedDiscovery implements TargetDiscovery {
  private readonly sources: readonly TargetDiscovery[];

  constructor(...sources: TargetDiscovery[]) {
    this.sources = sources;
  }

  async targets(): Promise<ScrapeTargetConfig[]> {
    const lists = await Promise.all(this.sources.map((s) => s.targets()));
    const byUrl = new Map<string, ScrapeTargetConfig>();
    for (const t of lists.flat()) if (!byUrl.has(t.url)) byUrl.set(t.url, t);
    return [...byUrl.values()];
  }
}

export function targetId(target: ScrapeTargetConfig): string {
  return `${replicaOf(target)} ${target.url}`;
}

export function replicaOf(target: ScrapeTargetConfig): string {
  return target.replica ?? new URL(target.url).host;
}
