import { focusIdentity } from '../analyze/cost/focus-dataset.ts';
import { PriceBook } from '../analyze/cost/price-book.ts';
import { sloSpec } from '../analyze/slo/spec.ts';
import { Command } from 'commander';
import { Collector, LEDGER_TIMING } from '../collect/collector.ts';
import { parseDurationMs } from '../util/time.ts';
import { tenantTeams } from '../config/schema.ts';
import type { RequestRecord } from '../normalize/merge-gateway.ts';
import { kubernetesApi } from '../collect/scrape/kubernetes-api.ts';
import { KubernetesDiscovery } from '../collect/scrape/kubernetes-discovery.ts';
import { CombinedDiscovery, StaticDiscovery } from '../collect/scrape/targets.ts';
import { createApi } from '../serve/api.ts';
import { CanonicalMetrics } from '../serve/canonical-metrics.ts';
import { OtlpJsonExporter } from '../serve/otlp-exporter.ts';
import { requestToOtlp } from '../serve/request-traces.ts';
import { openStore, retentionPolicy } from '../store/open.ts';
import { RetentionJob } from '../store/retention-job.ts';
import { listenApi } from './api-server.ts';
import { commandContext } from './context.ts';
import { stopSignal } from './stop-signal.ts';
import { RecommendationBook } from '../analyze/recommend/decisions.ts';
import { FileTarget } from '../analyze/recommend/file-target.ts';
import { resolveDataPath } from '../config/index.ts';
import { startSloRuntime } from './slo-runtime.ts';
import { startGateway } from './gateway-command.ts';
import { EngineSignals } from '../gateway/upstreams.ts';
import { upstreamsFromTargets } from '../gateway/discovered-upstreams.ts';
import { readOtlpTls } from '../collect/otlp/tls.ts';

export function collectCommand(): Command {
  return new Command('collect')
    .description(
      'run the collector (Prometheus scrape targets and OTLP/HTTP receiver from the config) and the API',
    )
    .action(async (_options, command: Command) => {
      const { config, log } = commandContext(command);
      const store = await openStore(config);
      const collect = config.collect;
      const canonical = new CanonicalMetrics(config.slos.map(sloSpec));
      const exportUrl = collect.export.otlp_traces_url;
      const traceExporter = exportUrl ? new OtlpJsonExporter({ url: exportUrl }) : null;
      traceExporter?.start();
      const signals = new EngineSignals();
      /** Request metrics, SLO counters and the OTLP export see each finished request once. */
      const observe = (records: readonly RequestRecord[]) => {
        for (const { request, spans } of records) {
          canonical.observeRequest(request);
          const trace = traceExporter ? requestToOtlp(request, spans) : null;
          if (trace) traceExporter?.enqueue([trace]);
        }
      };
      const collector = new Collector({
        onSamples: (samples) => {
          canonical.observeSamples(samples);
          signals.observe(samples);
        },
        onRequests: (requests) => observe(requests),
        // Requests through the gateway to engines that export no traces: counted from its record.
        onGatewayAlone: (records) => observe(records),
        store,
        log,
        context: { cluster: collect.cluster },
        prices: PriceBook.fromConfig(config.pricing),
        ledgerTiming: {
          ...LEDGER_TIMING,
          settleUs: parseDurationMs(collect.ledger.settle) * 1000,
          maxHoldUs: parseDurationMs(collect.ledger.max_hold) * 1000,
        },
        tenantTeams: tenantTeams(config),
        modelAliases: config.model_aliases,
        otlp: collect.otlp.enabled
          ? {
              host: collect.otlp.host,
              port: collect.otlp.port,
              grpcPort: collect.otlp.grpc_port,
              maxBodyBytes: collect.otlp.max_body_bytes,
              bearerTokensSha256: collect.otlp.bearer_tokens_sha256,
              tls: collect.otlp.tls ? readOtlpTls(collect.otlp.tls) : null,
            }
          : null,
        targets: collect.scrape.targets,
        ...(collect.scrape.kubernetes.length > 0
          ? {
              discovery: new CombinedDiscovery(
                new StaticDiscovery(collect.scrape.targets),
                new KubernetesDiscovery(
                  collect.scrape.kubernetes,
                  await kubernetesApi(),
                  collect.cluster,
                  log,
                ),
              ),
              discoveryRefreshMs: collect.scrape.refresh_s * 1000,
            }
          : {}),
        maxPendingRequests: collect.max_pending_requests,
        ...(collect.spool.enabled ? { spoolDir: resolveDataPath(config, collect.spool.dir) } : {}),
        joinGatewayTraces: config.gateway.upstreams.length > 0 || config.gateway.discover_upstreams,
      });
      await collector.start();
      const retention = new RetentionJob(store, retentionPolicy(config), log);
      retention.start();
      const recommendations = config.recommendations.manifests_dir
        ? new RecommendationBook(
            store,
            new FileTarget(resolveDataPath(config, config.recommendations.manifests_dir)),
          )
        : null;
      const sloRuntime = await startSloRuntime({
        config,
        store,
        clock: () => Date.now() * 1000,
        log,
        recommendations,
      });
      // The gateway, when configured, shares the collector: engine queue and KV signals from the
      // scrapes for routing, and the collector's buffer for its request records.
      const gateway =
        config.gateway.upstreams.length > 0 || config.gateway.discover_upstreams
          ? await startGateway({
              config,
              store,
              log,
              signals,
              collector,
            })
          : null;
      // Discovered engine replicas join the gateway's configured upstreams as their models become known.
      let upstreamTimer: NodeJS.Timeout | null = null;
      if (gateway && config.gateway.discover_upstreams) {
        const configured = new Set(config.gateway.upstreams.map((u) => u.name));
        const sync = () => {
          const discovered = upstreamsFromTargets(
            collector.targets,
            (replica) => collector.modelOf(replica),
            config.model_aliases,
          ).filter((u) => !configured.has(u.name));
          const { added, removed } = gateway.gateway.setUpstreams([
            ...config.gateway.upstreams,
            ...discovered,
          ]);
          if (added.length > 0 || removed.length > 0)
            log.info({ added, removed }, 'gateway upstreams changed');
        };
        sync();
        upstreamTimer = setInterval(sync, Math.min(5000, config.collect.scrape.refresh_s * 1000));
        upstreamTimer.unref();
      }
      const app = createApi({
        store,
        focus: focusIdentity(config.pricing.focus),
        log,
        nowUs: () => Date.now() * 1000,
        extras: {
          collector: () => collector.status(),
          ...(gateway
            ? {
                gateway: () => ({
                  url: gateway.url,
                  ...gateway.gateway.stats,
                  telemetryDropped: gateway.dropped(),
                }),
              }
            : {}),
        },
        metrics: () => canonical.text(),
        slo: sloRuntime?.evaluator ?? null,
        prices: PriceBook.fromConfig(config.pricing),
        recommendations,
        tokens: config.server.tokens,
      });
      const api = await listenApi(app, { config, port: config.server.port, log });
      log.info(
        {
          api: `http://${config.server.host}:${config.server.port}`,
          otlp: collector.receiver?.url ?? null,
          targets: collect.scrape.targets.length,
        },
        'collector running',
      );
      process.stdout.write(
        `collecting: ${collect.scrape.targets.length} scrape targets${collect.scrape.kubernetes.length > 0 ? ` + pods matching ${collect.scrape.kubernetes.map((k) => `'${k.label_selector}'`).join(', ')}` : ''}${collector.receiver ? `, OTLP/HTTP on ${collector.receiver.url}/v1/traces` : ''}${collector.grpcReceiver ? `, OTLP/gRPC on ${collector.grpcReceiver.address}` : ''}; API on http://${config.server.host}:${config.server.port}/api/collector${gateway ? `; gateway on ${gateway.url}/v1` : ''}\n`,
      );
      await stopSignal();
      if (upstreamTimer) clearInterval(upstreamTimer);
      await gateway?.stop();
      await collector.stop();
      await sloRuntime?.stop();
      await traceExporter?.stop();
      await retention.stop();
      await api.close();
      await store.close();
    });
}
