import { DcgmExporter, type SimGpu } from './exposition/dcgm.ts';
import { metricsPath } from './exposition/index.ts';
import type { Fleet } from './fleet.ts';
import { DcgmServer, ReplicaServer } from './http-server.ts';
import { OtlpJsonExporter } from '../serve/otlp-exporter.ts';
import { clientCallTrace, sglangRequestTrace, vllmRequestTrace, type OtlpResourceSpans } from './traces.ts';
import { MODEL_CARDS } from './model-cards.ts';

export interface Endpoint {
  kind: 'engine' | 'dcgm';
  name: string;
  cluster: string;
  engine: string;
  url: string;
  metricsUrl: string;
}

/** GPU UUIDs that look like NVIDIA's and stay stable for a seed. */
function gpuUuid(node: string, index: number): string {
  let h = 0x811c9dc5;
  for (const ch of `${node}/${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  const hex = (h >>> 0).toString(16).padStart(8, '0');
  return `GPU-${hex}-${hex.slice(0, 4)}-${hex.slice(4)}-${index.toString(16).padStart(4, '0')}-${hex}${hex.slice(0, 4)}`;
}

/**
 * Serves a fleet on loopback the way a cluster would: an OpenAI-compatible server with its engine's
 * /metrics per replica, and a DCGM exporter per node whose GPUs are assigned to replicas.
 */
export class SimCluster {
  readonly replicaServers: ReplicaServer[] = [];
  readonly dcgmServers: DcgmServer[] = [];
  readonly endpoints: Endpoint[] = [];
  readonly traceExporter: OtlpJsonExporter | null;
  /** Requests of tracing engines that exported no trace (no token came out). */
  untracedRequests = 0;

  /** With `otlpTracesUrl`, vLLM and SGLang replicas export request traces there, as the engines do. */
  constructor(
    readonly fleet: Fleet,
    options: { otlpTracesUrl?: string } = {},
  ) {
    this.traceExporter = options.otlpTracesUrl ? new OtlpJsonExporter({ url: options.otlpTracesUrl }) : null;
    const exporter = this.traceExporter;
    if (exporter) {
      fleet.onFinish((done, replica) => {
        const pod = { name: replica.spec.replica, namespace: replica.spec.namespace };
        let spans: OtlpResourceSpans[];
        if (replica.spec.engine === 'vllm') {
          const trace = vllmRequestTrace(done, `vllm-${replica.spec.model}`, pod);
          spans = trace ? [trace] : [];
        } else if (replica.spec.engine === 'sglang') {
          spans = sglangRequestTrace(done, fleet.random, pod);
        } else {
          return;
        }
        // Like the engines, no trace for a request that never produced a token.
        if (spans.length === 0) this.untracedRequests++;
        exporter.enqueue(spans);
        // The tenants' apps trace their calls too (who called is on their span, not the engine's);
        // theirs ends after the engine's.
        const servedModel = MODEL_CARDS[replica.spec.model]?.servedName ?? replica.spec.model;
        const client = clientCallTrace(done, servedModel);
        if (client) exporter.enqueue([client]);
      });
    }
  }

  async start(): Promise<void> {
    this.traceExporter?.start();
    const byNode = new Map<string, SimGpu[]>();
    for (const replica of this.fleet.replicas) {
      const server = new ReplicaServer(this.fleet, replica);
      await server.listen();
      this.replicaServers.push(server);
      this.endpoints.push({
        kind: 'engine',
        name: replica.spec.replica,
        cluster: replica.spec.cluster,
        engine: replica.spec.engine,
        url: server.url,
        metricsUrl: `${server.url}${metricsPath(replica.spec.engine)}`,
      });
      const gpus = byNode.get(replica.spec.node) ?? [];
      for (let rank = 0; rank < replica.spec.tensorParallel; rank++) {
        const index = gpus.length;
        gpus.push({
          index,
          uuid: gpuUuid(replica.spec.node, index),
          pciBusId: `00000000:${(0x18 + index * 0x12).toString(16).toUpperCase()}:00.0`,
          type: replica.spec.gpuType,
          replica: replica.engine,
          tpRank: rank,
          pod: {
            name: replica.spec.replica,
            namespace: replica.spec.namespace,
            container: replica.spec.engine,
          },
        });
      }
      byNode.set(replica.spec.node, gpus);
    }
    for (const [node, gpus] of byNode) {
      const server = new DcgmServer(this.fleet, new DcgmExporter(node, gpus));
      await server.listen();
      this.dcgmServers.push(server);
      const cluster = this.fleet.replicas.find((r) => r.spec.node === node)?.spec.cluster ?? '';
      this.endpoints.push({
        kind: 'dcgm',
        name: node,
        cluster,
        engine: 'dcgm-exporter',
        url: server.url,
        metricsUrl: server.url,
      });
    }
  }

  async stop(): Promise<void> {
    await this.traceExporter?.stop();
    await Promise.all([
      ...this.replicaServers.map((s) => s.close()),
      ...this.dcgmServers.map((s) => s.close()),
    ]);
  }
}
