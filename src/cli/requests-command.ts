import { Command, InvalidArgumentError } from 'commander';
import type { InferenceRequest } from '../model/request.ts';
import { REQUEST_NUMERIC_FIELDS, type RequestDimension, type RequestFilter } from '../store/store.ts';
import { formatDurationUs, formatUs, parseTimeUs } from '../util/time.ts';
import { withDerivedPhases } from '../normalize/decompose.ts';
import { attributeRequest } from '../analyze/attribution.ts';
import { commandContext, withStore } from './context.ts';
import { renderTable } from './table.ts';

interface FilterOptions {
  from: string;
  to: string;
  model?: string[];
  team?: string[];
  cluster?: string[];
  status?: string[];
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function withFilterOptions(command: Command): Command {
  return command
    .option('--from <time>', 'start: now, 24h (ago), ISO date or epoch ms', '24h')
    .option('--to <time>', 'end (exclusive)', 'now')
    .option('--model <name>', 'only this model (repeatable)', collect)
    .option('--team <name>', 'only this team (repeatable)', collect)
    .option('--cluster <name>', 'only this cluster (repeatable)', collect)
    .option('--status <status>', 'only this status (repeatable)', collect);
}

function filterFrom(options: FilterOptions): RequestFilter {
  const where: Partial<Record<RequestDimension, string[]>> = {};
  if (options.model) where.model = options.model;
  if (options.team) where.team = options.team;
  if (options.cluster) where.cluster = options.cluster;
  if (options.status) where.status = options.status;
  return { range: { fromUs: parseTimeUs(options.from), toUs: parseTimeUs(options.to) }, where };
}

function requestRow(r: InferenceRequest): (string | number)[] {
  return [
    r.requestId,
    formatUs(r.arrivalUs),
    r.model,
    r.team,
    r.status,
    formatDurationUs(r.ttftUs),
    formatDurationUs(r.e2eUs),
    `${r.promptTokens}/${r.outputTokens}`,
    r.costUsd === null ? '—' : `$${r.costUsd.toFixed(6)}`,
  ];
}

const REQUEST_HEAD = [
  'request',
  'arrival',
  'model',
  'team',
  'status',
  'ttft',
  'e2e',
  'in/out tokens',
  'cost',
];

export function requestsCommand(): Command {
  const requests = new Command('requests').description('find and explain requests');
  withFilterOptions(requests.command('search'))
    .description('list requests, slowest or most expensive first')
    .option('--order-by <field>', `arrival or one of ${REQUEST_NUMERIC_FIELDS.join(', ')}`, 'e2e_us')
    .option(
      '--limit <n>',
      'how many',
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
        return n;
      },
      20,
    )
    .option('--json', 'print JSON lines')
    .action(
      async (
        options: FilterOptions & { orderBy: string; limit: number; json?: boolean },
        command: Command,
      ) => {
        const { config } = commandContext(command);
        const found = await withStore(config, (store) =>
          store.searchRequests({
            ...filterFrom(options),
            orderBy: options.orderBy as 'arrival',
            direction: 'desc',
            limit: options.limit,
          }),
        );
        if (options.json)
          return void process.stdout.write(found.map((r) => `${JSON.stringify(r)}\n`).join(''));
        process.stdout.write(`${renderTable(REQUEST_HEAD, found.map(requestRow))}\n`);
      },
    );
  requests
    .command('show <requestId>')
    .description('one request with its spans')
    .option('--json', 'print JSON')
    .action(async (requestId: string, options: { json?: boolean }, command: Command) => {
      const { config } = commandContext(command);
      const stored = await withStore(config, (store) => store.getRequest(requestId));
      // vLLM requests' phases are rebuilt from the row (they are not stored as spans).
      const found = stored && {
        request: stored.request,
        spans: withDerivedPhases(stored.request, stored.spans),
      };
      if (!found) {
        process.stderr.write(`request ${requestId} not found\n`);
        process.exitCode = 1;
        return;
      }
      const attribution = attributeRequest(found.request, found.spans);
      if (options.json) return void process.stdout.write(`${JSON.stringify({ ...found, attribution })}\n`);
      process.stdout.write(`${renderTable(REQUEST_HEAD, [requestRow(found.request)])}\n`);
      const t0 = found.request.arrivalUs;
      process.stdout.write(
        `${renderTable(
          ['span', 'kind', 'start', 'duration', 'cost', 'estimated'],
          found.spans.map((s) => [
            s.name,
            s.kind,
            `+${formatDurationUs(s.startUs - t0)}`,
            formatDurationUs(s.durationUs),
            s.costUsd === null ? '—' : `$${s.costUsd.toFixed(6)}`,
            s.estimated ? 'yes' : '',
          ]),
        )}\n`,
      );
      process.stdout.write(
        `time went to: ${attribution.parts
          .filter((p) => p.us > 0)
          .map((p) => `${p.part} ${(p.share * 100).toFixed(1)} %`)
          .join(', ')}${attribution.blame ? ` — look first at the ${attribution.blame}` : ''}\n`,
      );
    });
  withFilterOptions(requests.command('percentiles'))
    .description('p50/p95/p99 TTFT and end-to-end latency by model (or --by)')
    .option('--by <dimension>', 'group by this dimension', 'model')
    .action(async (options: FilterOptions & { by: RequestDimension }, command: Command) => {
      const { config } = commandContext(command);
      const rows = await withStore(config, (store) =>
        store.aggregateRequests({
          ...filterFrom(options),
          groupBy: [options.by],
          measures: [
            { fn: 'count' },
            { fn: 'quantile', field: 'ttft_us', q: 0.5 },
            { fn: 'quantile', field: 'ttft_us', q: 0.95 },
            { fn: 'quantile', field: 'ttft_us', q: 0.99 },
            { fn: 'quantile', field: 'e2e_us', q: 0.99 },
          ],
        }),
      );
      process.stdout.write(
        `${renderTable(
          [options.by, 'requests', 'ttft p50', 'ttft p95', 'ttft p99', 'e2e p99'],
          rows.map((r) => [
            r.group[options.by] ?? '',
            r.values.count ?? 0,
            formatDurationUs(r.values.p50_ttft_us ?? null),
            formatDurationUs(r.values.p95_ttft_us ?? null),
            formatDurationUs(r.values.p99_ttft_us ?? null),
            formatDurationUs(r.values.p99_e2e_us ?? null),
          ]),
        )}\n`,
      );
    });
  return requests;
}
