import { focusIdentity } from '../analyze/cost/focus-dataset.ts';
import { listenApi } from './api-server.ts';
import { configSchema, tenantTeams } from '../config/schema.ts';
import { startSloRuntime } from './slo-runtime.ts';
import { startGateway } from './gateway-command.ts';
import { EngineSignals } from '../gateway/upstreams.ts';
import { MODEL_CARDS } from '../sim/model-cards.ts';
import { sloSpec } from '../analyze/slo/spec.ts';
import { Command, InvalidArgumentError } from 'commander';
import { PriceBook } from '../analyze/cost/price-book.ts';
import { Collector } from '../collect/collector.ts';
import { createApi } from '../serve/api.ts';
import { CanonicalMetrics } from '../serve/canonical-metrics.ts';
import { openStore, retentionPolicy } from '../store/open.ts';
import { RetentionJob } from '../store/retention-job.ts';
import { SimCluster } from '../sim/cluster.ts';
import { Fleet, type FleetRecord } from '../sim/fleet.ts';
import { GroundTruthSink } from '../sim/ground-truth-sink.ts';
import { Pacer } from '../sim/pacer.ts';
import { demoFleetOptions, demoReplicas, demoSloConfigs, demoTenants } from '../sim/scenarios.ts';
import { writeDemoManifests } from '../sim/demo-manifests.ts';
import { RecommendationBook } from '../analyze/recommend/decisions.ts';
import { FileTarget } from '../analyze/recommend/file-target.ts';
import { resolveDataPath } from '../config/index.ts';
import { simScrapeTargets } from '../sim/scrape-targets.ts';
import { FleetStatus } from '../sim/status.ts';
import { parseDurationMs } from '../util/time.ts';
import { commandContext } from './context.ts';
import { stopSignal } from './stop-signal.ts';
import { renderTable } from './table.ts';

interface DemoOptions {
  speed: number;
  duration?: string;
  seed: number;
  port?: number;
  faults: boolean;
  quiet?: boolean;
  otlpEndpoint?: string;
  gatewayPort?: number;
  pauseAfter?: string;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function clock(us: number): string {
  const s = Math.floor(us / 1e6);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description(
      'run a simulated inference fleet (2 clusters, 4 models, 12 replicas) with scripted faults, stored and served by KubeBurner',
    )
    .option('--speed <n>', 'simulated seconds per wall-clock second', positiveNumber, 5)
    .option(
      '--duration <duration>',
      'stop after this much simulated time (e.g. 10m); default: run until Ctrl-C',
    )
    .option(
      '--seed <n>',
      'random seed: the same seed gives the same run',
      (v) => Math.trunc(positiveNumber(v)),
      42,
    )
    .option('--port <n>', 'API port (default: server.port from the config)', (v) =>
      Math.trunc(positiveNumber(v)),
    )
    .option('--gateway-port <n>', 'gateway port (default: any free port)', (v) =>
      Math.trunc(positiveNumber(v)),
    )
    .option(
      '--pause-after <duration>',
      'stop the simulated clock after this much simulated time (e.g. 8m) and keep serving the API and UI until Ctrl-C: fixed numbers to look at',
    )
    .option('--no-faults', 'no scripted faults')
    .option('--quiet', 'no live status line')
    .option(
      '--otlp-endpoint <url>',
      'export the engines’ request traces to this OTLP/HTTP endpoint (…/v1/traces)',
    )
    .action(async (options: DemoOptions, command: Command) => {
      const { config: loaded, log } = commandContext(command);
      const durationUs = options.duration ? parseDurationMs(options.duration) * 1000 : Infinity;
      const pauseUs = options.pauseAfter ? parseDurationMs(options.pauseAfter) * 1000 : Infinity;
      // The simulated engines report their served model names; store the short ones (as the
      // scrape targets and the simulator's own records do).
      const config = {
        ...loaded,
        model_aliases: {
          ...Object.fromEntries(Object.values(MODEL_CARDS).map((card) => [card.servedName, card.id])),
          ...loaded.model_aliases,
        },
        // The demo's apps (tenants) and the teams that own them, as a user would configure theirs.
        tenants: {
          ...Object.fromEntries(demoTenants().map((t) => [t.tenant, { team: t.team }])),
          ...loaded.tenants,
        },
      };
      const store = await openStore(config);
      const startUs = Date.now() * 1000;
      const prices = PriceBook.fromConfig(config.pricing);
      const fleet = new Fleet(demoFleetOptions(options.seed, startUs, options.faults, prices));
      // The real collection path: the engines' /metrics and DCGM exporters are scraped, vLLM and
      // SGLang send their request traces to the OTLP receiver.
      let cluster: SimCluster | null = null;
      // The config's SLOs, or the demo's own when it has none.
      const slos = config.slos.length > 0 ? config.slos : configSchema.parse({ slos: demoSloConfigs() }).slos;
      const canonical = new CanonicalMetrics(slos.map(sloSpec));
      const signals = new EngineSignals();
      const collector = new Collector({
        onSamples: (samples) => {
          canonical.observeSamples(samples);
          signals.observe(samples);
        },
        onRequests: (requests) => {
          for (const { request } of requests) canonical.observeRequest(request);
        },
        store,
        log,
        context: { cluster: 'unknown' },
        prices,
        tenantTeams: tenantTeams(config),
        modelAliases: config.model_aliases,
        joinGatewayTraces: true,
        onGatewayAlone: (records) => {
          for (const { request } of records) canonical.observeRequest(request);
        },
        // The demo's apps send their GenAI client spans (who called) beside the engines' traces.
        awaitCallerSpans: true,
        // Scrapes are stamped with the simulated clock, like the requests (the demo runs faster than real time).
        clockMs: () => fleet.nowUs / 1000,
        otlp: { host: '127.0.0.1', port: 0, maxBodyBytes: 16 * 1024 * 1024 },
        discovery: {
          targets: async () => simScrapeTargets(fleet, cluster?.endpoints ?? []),
        },
      });
      await collector.startReceiving();
      cluster = new SimCluster(fleet, {
        otlpTracesUrl: options.otlpEndpoint ?? `${collector.receiver?.url}/v1/traces`,
      });
      await cluster.start();
      await collector.startScraping();
      const traced = new Set(['vllm', 'sglang']);
      // Requests the simulated tenants send to engines without traces: a deployment sees them
      // through the gateway; here, from the simulator. Those sent over HTTP (through the demo's
      // gateway) are stored and counted from the gateway's record.
      const untraced = (r: FleetRecord) => !r.overHttp && !traced.has(r.request.engine);
      const sink = new GroundTruthSink(fleet, store, log, { include: untraced });
      fleet.onRecord((record) => {
        if (untraced(record)) canonical.observeRequest(record.request);
      });
      const retention = new RetentionJob(store, retentionPolicy(config), log);
      retention.start();
      // Alerts propose changes against manifests a person can apply and roll back: the config's
      // directory, or the demo's own vLLM Deployments under the data directory.
      const manifests = new FileTarget(
        resolveDataPath(config, config.recommendations.manifests_dir ?? 'demo-manifests'),
      );
      if (!config.recommendations.manifests_dir) writeDemoManifests(manifests.dir, demoReplicas());
      const recommendations = new RecommendationBook(store, manifests, () => fleet.nowUs);
      const sloRuntime = await startSloRuntime({
        config,
        store,
        clock: () => fleet.nowUs,
        log,
        slos,
        recommendations,
      });
      // A gateway in front of the simulated engines (open: no API keys), routing on their scraped
      // queue and KV signals; requests sent through it are stored with the gateway's timings.
      const gatewayConfig = configSchema.parse({
        gateway: {
          ...config.gateway,
          port: options.gatewayPort ?? 0,
          upstreams: cluster.endpoints
            .filter((e) => e.kind === 'engine')
            .map((e) => {
              const replica = fleet.replicaByName(e.name);
              return {
                name: e.name,
                url: e.url,
                replica: e.name,
                models: replica
                  ? [MODEL_CARDS[replica.spec.model]?.servedName ?? replica.spec.model, replica.spec.model]
                  : ['unknown'],
              };
            }),
        },
      }).gateway;
      const gateway = await startGateway({
        config: { ...config, gateway: gatewayConfig },
        store,
        log,
        signals,
        collector,
      });
      const status = new FleetStatus(fleet);
      const app = createApi({
        store,
        focus: focusIdentity(config.pricing.focus),
        log,
        nowUs: () => fleet.nowUs,
        metrics: () => canonical.text(),
        slo: sloRuntime?.evaluator ?? null,
        prices,
        recommendations,
        tokens: config.server.tokens,
        extras: {
          'sim/ground-truth': () => ({ faults: fleet.groundTruth }),
          'sim/endpoints': () => ({ endpoints: cluster?.endpoints ?? [] }),
          collector: () => collector.status(),
          gateway: () => ({
            url: gateway.url,
            ...gateway.gateway.stats,
            telemetryDropped: gateway.dropped(),
          }),
        },
      });
      const port = options.port ?? config.server.port;
      const api = await listenApi(app, { config, port, log });
      const apiUrl = api.url;
      const pacer = new Pacer(fleet, options.speed);
      pacer.start();
      sink.start(false);

      const out = process.stdout;
      out.write(
        `KubeBurner demo — seed ${options.seed}, ${options.speed}× real time, store: ${store.backend}\n`,
      );
      out.write(
        `${renderTable(
          ['endpoint', 'cluster', 'speaks', 'url'],
          cluster.endpoints.map((e) => [
            e.name,
            e.cluster,
            e.kind === 'dcgm' ? 'DCGM exporter' : `${e.engine} (OpenAI API + /metrics)`,
            e.kind === 'dcgm' ? e.metricsUrl : e.url,
          ]),
        )}\n`,
      );
      out.write(`Gateway (OpenAI API over every engine): ${gateway.url}/v1\n`);
      out.write(`UI: ${apiUrl}/  (OpenAPI: ${apiUrl}/api/openapi.json)\n`);
      out.write(
        `API: ${apiUrl}/api/requests  ·  ${apiUrl}/api/percentiles  ·  ${apiUrl}/api/slo  ·  ${apiUrl}/api/alerts  ·  ${apiUrl}/api/collector  ·  ${apiUrl}/metrics  ·  ${apiUrl}/api/sim/ground-truth\n`,
      );
      if (options.faults)
        out.write(
          'Scripted faults: load spike on llama-3-70b at 03:00 (2 min); straggler GPU on sglang-qwen2-5-32b-0 at 07:00 (2 min).\n',
        );

      const firingAlerts = () => {
        const firing = (sloRuntime?.evaluator.status() ?? []).flatMap((slo) =>
          slo.alerts.filter((a) => a.state === 'firing').map((a) => `${slo.slo}/${a.alert}`),
        );
        return firing.length > 0 ? `  ALERT: ${firing.join(', ')}` : '';
      };
      const printStatus = () => {
        const s = status.snapshot();
        const line =
          `t+${clock(fleet.nowUs - startUs)}  ${s.requestsPerSecond.toFixed(1)} req/s  ` +
          `p99 TTFT ${s.p99TtftMs === null ? '—' : `${(s.p99TtftMs / 1000).toFixed(2)} s`}  ` +
          `errors ${(s.errorRatio * 100).toFixed(1)} %  $${s.spendPerHourUsd.toFixed(2)}/h  ` +
          `stored ${collector.buffer.writtenRequests + sink.written} (${collector.buffer.writtenRequests} via OTLP)${s.activeFaults.length > 0 ? `  FAULT: ${s.activeFaults.join(', ')}` : ''}${firingAlerts()}`;
        out.write(`${line}\n`);
      };
      const statusTimer = options.quiet ? null : setInterval(printStatus, 2000);

      let durationTimer: NodeJS.Timeout | undefined;
      let paused = false;
      await new Promise<void>((resolve) => {
        durationTimer = setInterval(() => {
          const elapsedUs = fleet.nowUs - startUs;
          if (elapsedUs >= durationUs) resolve();
          if (!paused && elapsedUs >= pauseUs) {
            paused = true;
            pacer.stop();
            if (statusTimer) clearInterval(statusTimer);
            // Let the engines' last traces arrive and be written before saying the numbers are fixed.
            void new Promise((r) => setTimeout(r, 1500))
              .then(() => Promise.all([collector.buffer.flush(), sink.buffer.flush()]))
              .then(() => {
                printStatus();
                out.write(
                  `paused at t+${clock(elapsedUs)}: the clock is stopped; UI and API at ${apiUrl}/ until Ctrl-C\n`,
                );
              });
          }
        }, 50);
        void stopSignal().then(() => resolve());
      });
      clearInterval(durationTimer);

      pacer.stop();
      if (statusTimer) clearInterval(statusTimer);
      printStatus();
      await gateway.stop();
      await sink.stop();
      // The engines' last spans reach the receiver before it closes.
      await cluster.traceExporter?.stop();
      await collector.stop();
      await sloRuntime?.stop();
      await retention.stop();
      await api.close();
      await cluster.stop();
      await store.close();
      const targets = collector.status().targets;
      out.write(
        `done: ${status.total} requests simulated, ${collector.buffer.writtenRequests + sink.written} stored ` +
          `(${collector.buffer.writtenRequests} from OTLP traces, ${sink.written} from the simulator for engines without traces), ` +
          `${collector.buffer.writtenSamples} metric samples from ${targets.filter((t) => t.up).length}/${targets.length} scrape targets` +
          `${sink.dropped ? `, ${sink.dropped} dropped` : ''}` +
          `${cluster.untracedRequests ? `; ${cluster.untracedRequests} traced-engine requests produced no token and so no trace` : ''}` +
          `${cluster.traceExporter?.dropped ? `; ${cluster.traceExporter.dropped} spans dropped by the engines' exporters` : ''}.\n`,
      );
      process.exit(0);
    });
}
