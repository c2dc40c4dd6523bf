import { Command, InvalidArgumentError } from 'commander';
import { chargebackCsv } from '../analyze/cost/chargeback-csv.ts';
import { FOCUS_VERSION, focusDataset, focusIdentity } from '../analyze/cost/focus-dataset.ts';
import {
  CHARGEBACK_DIMENSIONS,
  COST_BASES,
  calendarPeriod,
  type CostBasis,
  chargebackReport,
  type ChargebackDimension,
  type ChargebackGranularity,
} from '../analyze/cost/chargeback.ts';
import { formatUs, parseTimeUs } from '../util/time.ts';
import { commandContext, withStore } from './context.ts';
import { renderTable } from './table.ts';

interface ChargebackOptions {
  from?: string;
  to?: string;
  period?: string;
  by: ChargebackDimension[];
  granularity: ChargebackGranularity;
  basis: CostBasis;
  csv?: boolean;
  json?: boolean;
  format?: string;
}

const FORMATS = ['table', 'csv', 'focus', 'json'] as const;

function dimensions(value: string, previous: ChargebackDimension[] | undefined): ChargebackDimension[] {
  const parsed = value.split(',').map((d) => d.trim());
  for (const d of parsed)
    if (!(CHARGEBACK_DIMENSIONS as readonly string[]).includes(d))
      throw new InvalidArgumentError(`unknown dimension "${d}": use ${CHARGEBACK_DIMENSIONS.join(', ')}`);
  return [...(previous ?? []), ...(parsed as ChargebackDimension[])];
}

/** Dollars to the cent, or to 1/100 of a cent below $1 (a short demo's rows are cents). */
function usd(value: number): string {
  return `$${value.toFixed(Math.abs(value) < 1 ? 4 : 2)}`;
}

export function chargebackCommand(): Command {
  return new Command('chargeback')
    .description('GPU cost by team, cluster, workload or model per day or month; --csv for finance')
    .option('--from <time>', 'start: ISO date, epoch ms or 30d (ago)')
    .option('--to <time>', 'end (exclusive)', 'now')
    .option('--period <period>', 'a calendar period instead of --from/--to: 2026-11, 2026-Q4 or 2026')
    .option(
      '--by <dimension>',
      `group by (repeatable or comma list): ${CHARGEBACK_DIMENSIONS.join(', ')}`,
      dimensions,
    )
    .option('--granularity <g>', 'day, month or total', 'month')
    .option(
      '--basis <basis>',
      'usage (idle as its own lines) or allocation (idle shared among the teams using the same cluster and model)',
      'usage',
    )
    .option(
      '--format <format>',
      `table; csv (compact, FOCUS-aligned); focus (a FOCUS ${FOCUS_VERSION} dataset, all mandatory columns); json`,
    )
    .option('--csv', 'same as --format csv')
    .option('--json', 'same as --format json')
    .action(async (options: ChargebackOptions, command: Command) => {
      if (!['day', 'month', 'total'].includes(options.granularity))
        throw new RangeError(`--granularity must be day, month or total, not "${options.granularity}"`);
      if (options.period && options.from) throw new RangeError('give either --period or --from/--to');
      if (options.format && !(FORMATS as readonly string[]).includes(options.format))
        throw new RangeError(`--format must be ${FORMATS.join(', ')}, not "${options.format}"`);
      if (!(COST_BASES as readonly string[]).includes(options.basis))
        throw new RangeError(`--basis must be ${COST_BASES.join(' or ')}, not "${options.basis}"`);
      const range = options.period
        ? calendarPeriod(options.period)
        : { fromUs: parseTimeUs(options.from ?? '30d'), toUs: parseTimeUs(options.to ?? 'now') };
      const { config } = commandContext(command);
      const report = await withStore(config, (store) =>
        chargebackReport(store, {
          range,
          by: options.by ?? ['team'],
          granularity: options.granularity,
          basis: options.basis,
        }),
      );
      const format = options.format ?? (options.csv ? 'csv' : options.json ? 'json' : 'table');
      if (format === 'csv') return void process.stdout.write(chargebackCsv(report));
      if (format === 'focus')
        return void process.stdout.write(focusDataset(report, focusIdentity(config.pricing.focus)));
      if (format === 'json') return void process.stdout.write(`${JSON.stringify(report)}\n`);
      const idlePools = report.rows.some((r) => r.kind === 'idle');
      const head = [
        'period start',
        ...report.by,
        ...(idlePools ? ['node pool'] : []),
        'requests',
        'unpriced',
        'in tokens',
        'cache hit',
        'out tokens',
        '$/1k tok',
        'cache saved',
        ...(report.basis === 'allocation' ? ['usage', 'idle share'] : []),
        'cost',
      ];
      const rows = report.rows.map((r) => [
        formatUs(r.periodStartUs).slice(0, 10),
        ...report.by.map((d) => r.group[d] ?? ''),
        ...(idlePools ? [r.nodePool ?? ''] : []),
        r.requests,
        r.unpricedRequests,
        r.promptTokens,
        r.promptTokens > 0 ? `${((100 * r.cachedPromptTokens) / r.promptTokens).toFixed(1)} %` : '—',
        r.outputTokens,
        r.usdPer1kTokens === null ? '—' : r.usdPer1kTokens.toFixed(4),
        usd(r.cacheSavingsUsd),
        ...(report.basis === 'allocation' ? [usd(r.costUsd), usd(r.idleShareUsd)] : []),
        usd(r.costUsd + r.idleShareUsd),
      ]);
      process.stdout.write(`${renderTable(head, rows)}\n`);
      process.stdout.write(
        `total $${report.totals.costUsd.toFixed(2)} for ${report.totals.requests} requests` +
          (report.totals.unpricedRequests > 0 ? ` (${report.totals.unpricedRequests} unpriced)` : '') +
          (report.idleCostUsd > 0
            ? report.basis === 'allocation'
              ? `, idle GPU $${report.idleCostUsd.toFixed(2)} of which $${report.totals.idleShareUsd.toFixed(2)} shared into team costs`
              : `, idle GPU $${report.idleCostUsd.toFixed(2)} (not in team costs)`
            : '') +
          (report.totals.cacheSavingsUsd > 0
            ? `, prefix cache saved $${report.totals.cacheSavingsUsd.toFixed(2)}`
            : '') +
          ` from ${formatUs(range.fromUs)} to ${formatUs(range.toUs)}\n`,
      );
    });
}
