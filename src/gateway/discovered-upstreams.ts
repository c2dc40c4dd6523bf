import type { ScrapeTargetConfig } from '../collect/scrape/targets.ts';
import { replicaOf } from '../collect/scrape/targets.ts';
import type { UpstreamSpec } from './upstreams.ts';

/**
 * The gateway's upstreams from the collector's scrape targets: every engine replica whose model
 * the scrapes have told (DCGM exporters never have one), at its API URL (`api_url`, else the
 * metrics URL's origin), named by the replica so its queue and KV signals score it. Clients ask
 * for the model by the name the engine serves; the collector stores the alias, so each alias is
 * turned back into the served names that map to it.
 */
export function upstreamsFromTargets(
  targets: readonly ScrapeTargetConfig[],
  modelOf: (replica: string) => string | undefined,
  modelAliases: Readonly<Record<string, string>> = {},
): UpstreamSpec[] {
  const specs: UpstreamSpec[] = [];
  for (const target of targets) {
    if (target.engine === 'dcgm') continue;
    const replica = replicaOf(target);
    const model = modelOf(replica);
    if (!model) continue;
    const served = Object.entries(modelAliases)
      .filter(([, alias]) => alias === model)
      .map(([name]) => name);
    specs.push({
      name: replica,
      replica,
      url: target.api_url ?? new URL(target.url).origin,
      models: served.length > 0 ? served : [model],
    });
  }
  return specs;
}
