import { Command } from 'commander';
import { IngestBuffer } from '../collect/ingest-buffer.ts';
import type { GatewayRecordSink } from '../collect/collector.ts';
import { Spool, replaySpool } from '../collect/spool.ts';
import { resolveDataPath } from '../config/index.ts';
import type { KubeBurnerConfig } from '../config/schema.ts';
import { Gateway } from '../gateway/gateway.ts';
import { StoreSpendSource } from '../gateway/spend.ts';
import { gatewayRecordToRequest } from '../gateway/telemetry.ts';
import { hashApiKey } from '../gateway/tenants.ts';
import type { EngineSignals } from '../gateway/upstreams.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import type { Logger } from '../util/log.ts';
import { commandContext } from './context.ts';
import { stopSignal } from './stop-signal.ts';

/**
 * The gateway with its telemetry path: records go to an ingest buffer in front of the store;
 * when the buffer is full (store down or slow) records are dropped and counted — requests never
 * wait for the store (fail-open). Only an answer's end waits for its record's spool fsync.
 */
export async function startGateway(options: {
  config: KubeBurnerConfig;
  store: Store;
  log: Logger;
  signals?: EngineSignals | null;
  /**
   * The collector running beside: enriches, prices and joins records with the engines' of the
   * same trace. Without one, records go to a buffer of the gateway's own in front of the store.
   */
  collector?: GatewayRecordSink;
}): Promise<{ gateway: Gateway; url: string; dropped: () => number; stop: () => Promise<void> }> {
  const { config, store, log } = options;
  // Alone, the gateway logs its records to the spool before storing them (a crash keeps them).
  const spool =
    !options.collector && config.collect.spool.enabled
      ? new Spool(resolveDataPath(config, config.collect.spool.dir))
      : null;
  const buffer = options.collector
    ? null
    : new IngestBuffer(store, log, {
        maxPendingRequests: config.gateway.max_buffered_records,
        ...(spool ? { onSettled: (ids: string[]) => spool.release(ids) } : {}),
      });
  if (spool && buffer) await replaySpool(spool, store, buffer, log);
  buffer?.start();
  let dropped = 0;
  const spend = config.gateway.tenants.some((t) => t.monthly_budget_usd || t.monthly_budget_tokens)
    ? new StoreSpendSource(store, log)
    : null;
  spend?.start();
  const gateway = new Gateway({
    config: config.gateway,
    signals: options.signals ?? null,
    spend,
    log,
    onRecord: (record) => {
      const stored = gatewayRecordToRequest(record, {
        cluster: config.collect.cluster,
        modelAliases: config.model_aliases,
      });
      spool?.append(stored);
      if (!(options.collector ? options.collector.offerGateway(stored) : buffer?.offerRequests([stored]))) {
        dropped++;
        gateway.metrics.telemetryDropped.inc();
      }
      // The client's answer ends once this resolves: a served request is on disk before it is done.
      return options.collector ? options.collector.durable() : spool?.synced();
    },
    ...(options.collector ? { onForward: (traceId: string) => options.collector?.expect(traceId) } : {}),
  });
  const url = await gateway.listen();
  return {
    gateway,
    url,
    dropped: () => dropped,
    async stop() {
      await gateway.close();
      spend?.stop();
      await buffer?.stop();
      await spool?.close();
    },
  };
}

function hashKeyCommand(): Command {
  return new Command('hash-key')
    .description(
      'print the sha256 of an API key, for gateway.tenants[].key_sha256 (reads stdin without an argument)',
    )
    .argument('[key]', 'the API key')
    .action(async (key: string | undefined) => {
      let text = key;
      if (text === undefined) {
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
        text = Buffer.concat(chunks).toString('utf8').trim();
      }
      if (!text) throw new RangeError('no key given');
      process.stdout.write(`${hashApiKey(text)}\n`);
    });
}

export function gatewayCommand(): Command {
  return new Command('gateway')
    .description('run the OpenAI-compatible gateway from the config (gateway.upstreams, gateway.tenants)')
    .addCommand(hashKeyCommand())
    .action(async (_options, command: Command) => {
      const { config, log } = commandContext(command);
      if (config.gateway.upstreams.length === 0)
        throw new RangeError(
          config.gateway.discover_upstreams
            ? 'no upstreams: gateway.discover_upstreams routes to what the collector scrapes, so run `kubeburner collect` (it runs the gateway beside), or list the engine servers under gateway.upstreams'
            : 'no upstreams: add the engine servers under gateway.upstreams',
        );
      const store = await openStore(config);
      const running = await startGateway({ config, store, log });
      process.stdout.write(
        `gateway on ${running.url}/v1 → ${config.gateway.upstreams.map((u) => u.name).join(', ')}; ` +
          `${config.gateway.tenants.length === 0 ? 'open (no tenants: no API key needed)' : `${config.gateway.tenants.length} tenants`}\n`,
      );
      await stopSignal();
      await running.stop();
      await store.close();
    });
}
