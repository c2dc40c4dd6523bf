import { Command } from 'commander';
import { compareWindows } from '../analyze/rca/compare-windows.ts';
import { RecommendationBook } from '../analyze/recommend/decisions.ts';
import { FileTarget } from '../analyze/recommend/file-target.ts';
import { recommend } from '../analyze/recommend/recommendation.ts';
import { resolveDataPath, type KubeBurnerConfig } from '../config/index.ts';
import type { Store } from '../store/store.ts';
import { formatUs, parseDurationMs } from '../util/time.ts';
import { commandContext, withStore } from './context.ts';
import { renderTable } from './table.ts';

function target(config: KubeBurnerConfig): FileTarget {
  const dir = config.recommendations.manifests_dir;
  if (!dir)
    throw new RangeError(
      'set recommendations.manifests_dir in the config: the manifests changes are applied to',
    );
  return new FileTarget(resolveDataPath(config, dir));
}

async function withBook<T>(
  command: Command,
  work: (book: RecommendationBook, store: Store) => Promise<T>,
): Promise<T> {
  const { config } = commandContext(command);
  const files = target(config);
  return withStore(config, (store) => work(new RecommendationBook(store, files), store));
}

const out = (text: string) => process.stdout.write(`${text}\n`);

export function recommendCommand(): Command {
  const command = new Command('recommend').description(
    'diagnose a workload and propose changes; preview, apply and roll back each one by an explicit decision',
  );
  command
    .command('analyze')
    .description(
      'compare the last --window with the --baseline before it and propose changes for the causes found',
    )
    .requiredOption('--workload <name>', 'the workload (manifest <name>.yaml) to change')
    .requiredOption('--model <model>', 'the model its requests are stored under')
    .option('--window <duration>', 'the window to explain', '15m')
    .option('--baseline <duration>', 'how long before the window to compare with', '1h')
    .action(
      async (
        options: { workload: string; model: string; window: string; baseline: string },
        cmd: Command,
      ) => {
        const nowUs = Date.now() * 1000;
        const windowUs = parseDurationMs(options.window) * 1000;
        const window = { fromUs: nowUs - windowUs, toUs: nowUs };
        const baseline = {
          fromUs: window.fromUs - parseDurationMs(options.baseline) * 1000,
          toUs: window.fromUs,
        };
        const { config } = commandContext(cmd);
        const files = target(config);
        await withStore(config, async (store) => {
          const comparison = await compareWindows(
            store,
            { where: { model: [options.model] } },
            window,
            baseline,
          );
          for (const c of comparison.causes.slice(0, 3)) out(`cause ${c.score.toFixed(2)}  ${c.summary}`);
          const fresh = await new RecommendationBook(store, files).propose(
            recommend(comparison, files.facts(options.workload), nowUs),
          );
          if (fresh.length === 0) out('no new recommendation');
          for (const r of fresh) out(`proposed ${r.id}: ${r.title}`);
        });
      },
    );
  command
    .command('list')
    .description('recommendations and their state')
    .action(async (_options, cmd: Command) => {
      const records = await withBook(cmd, (book) => book.list());
      out(
        renderTable(
          ['id', 'state', 'cause', 'change', 'last decision'],
          records.map((r) => {
            const last = r.history.at(-1);
            return [
              r.recommendation.id,
              r.state,
              r.recommendation.cause,
              r.recommendation.title,
              last ? `${last.who} ${formatUs(last.atUs)}` : '',
            ];
          }),
        ),
      );
    });
  command
    .command('show')
    .description('one recommendation: evidence, expected effect, the exact diff, its history')
    .argument('<id>')
    .action(async (id: string, _options, cmd: Command) => {
      await withBook(cmd, async (book) => {
        const record = await book.get(id);
        const r = record.recommendation;
        out(`${r.id} (${record.state}): ${r.title}`);
        out(`cause: ${r.cause}; expected: ${r.expectedEffect}`);
        for (const e of r.evidence) out(`  evidence: ${e.metric} ${e.before ?? '?'} → ${e.after ?? '?'}`);
        for (const h of record.history) out(`  ${formatUs(h.atUs)} ${h.state} by ${h.who}`);
        if (record.state === 'proposed' || record.state === 'rolled_back') out((await book.preview(id)).diff);
      });
    });
  for (const [verb, description] of [
    ['apply', 'write the previewed change to the manifest'],
    ['rollback', 'restore the manifest as it was before the change'],
    ['dismiss', 'decline a proposal'],
  ] as const)
    command
      .command(verb)
      .description(description)
      .argument('<id>')
      .requiredOption('--as <who>', 'who decides (kept in the audit log)')
      .action(async (id: string, options: { as: string }, cmd: Command) => {
        const record = await withBook(cmd, (book) => book[verb](id, options.as));
        out(`${id}: ${record.state.replace('_', ' ')} by ${options.as}`);
      });
  return command;
}
