import { focusIdentity } from '../analyze/cost/focus-dataset.ts';
import { Command } from 'commander';
import { PriceBook } from '../analyze/cost/price-book.ts';
import { RecommendationBook } from '../analyze/recommend/decisions.ts';
import { FileTarget } from '../analyze/recommend/file-target.ts';
import { resolveDataPath } from '../config/index.ts';
import { createApi } from '../serve/api.ts';
import { openStore } from '../store/open.ts';
import { listenApi } from './api-server.ts';
import { commandContext } from './context.ts';
import { stopSignal } from './stop-signal.ts';
import { startSloRuntime } from './slo-runtime.ts';

/**
 * The API and web UI over a store that a collector fills (`kubeburner collect` elsewhere, or an
 * earlier run). It evaluates SLOs for display only: alerts and notifications stay the collector's,
 * so running both never pages twice.
 */
export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the web UI and the HTTP API over the configured store (no collection)')
    .option('--port <n>', 'port (default: server.port from the config)', (v) => Number.parseInt(v, 10))
    .action(async (options: { port?: number }, command: Command) => {
      const { config, log } = commandContext(command);
      const store = await openStore(config);
      const clock = () => Date.now() * 1000;
      const sloRuntime = await startSloRuntime({ config, store, clock, log, readOnly: true });
      const recommendations = config.recommendations.manifests_dir
        ? new RecommendationBook(
            store,
            new FileTarget(resolveDataPath(config, config.recommendations.manifests_dir)),
          )
        : null;
      const app = createApi({
        store,
        focus: focusIdentity(config.pricing.focus),
        log,
        nowUs: clock,
        slo: sloRuntime?.evaluator ?? null,
        prices: PriceBook.fromConfig(config.pricing),
        recommendations,
        tokens: config.server.tokens,
      });
      const port = options.port ?? config.server.port;
      const api = await listenApi(app, { config, port, log });
      process.stdout.write(
        `KubeBurner UI and API on http://${config.server.host}:${port}/ (store: ${store.backend})\n`,
      );
      await stopSignal();
      await sloRuntime?.stop();
      await api.close();
      await store.close();
    });
}
