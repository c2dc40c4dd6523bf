import { Command } from 'commander';
import { stringify } from 'yaml';
import { prometheusRuleResource, prometheusRules } from '../analyze/slo/prometheus-rules.ts';
import { replaySlo } from '../analyze/slo/replay.ts';
import { sloSpec } from '../analyze/slo/spec.ts';
import { formatUs, parseDurationMs, parseTimeUs } from '../util/time.ts';
import { SloEvaluator } from '../analyze/slo/evaluator.ts';
import { renderTable } from './table.ts';
import { commandContext, withStore } from './context.ts';

interface RulesOptions {
  format: string;
  name: string;
  namespace: string;
}

function rulesCommand(): Command {
  return new Command('rules')
    .description(
      'Prometheus recording and alerting rules for the configured SLOs (or a PrometheusRule resource)',
    )
    .option(
      '--format <format>',
      'rules (a Prometheus rule file) or prometheusrule (prometheus-operator CR)',
      'rules',
    )
    .option('--name <name>', 'PrometheusRule metadata.name', 'kubeburner-slos')
    .option('--namespace <namespace>', 'PrometheusRule metadata.namespace', 'monitoring')
    .action((options: RulesOptions, command: Command) => {
      const { config } = commandContext(command);
      if (config.slos.length === 0) throw new RangeError('no SLOs in the config: add some under slos');
      const specs = config.slos.map(sloSpec);
      const interval = config.alerting.evaluation_interval;
      if (options.format === 'rules')
        return void process.stdout.write(stringify(prometheusRules(specs, interval)));
      if (options.format === 'prometheusrule')
        return void process.stdout.write(
          stringify(
            prometheusRuleResource(specs, interval, {
              name: options.name,
              namespace: options.namespace,
              labels: { 'app.kubernetes.io/name': 'kubeburner' },
            }),
          ),
        );
      throw new RangeError(`--format must be rules or prometheusrule, not "${options.format}"`);
    });
}

interface ReplayOptions {
  from: string;
  to: string;
  step: string;
}

function replayCommand(): Command {
  return new Command('replay')
    .description('evaluate an SLO’s burn-rate alerts over past data: when would it have fired?')
    .argument('<slo>', 'SLO name from the config')
    .option('--from <time>', 'start', '7d')
    .option('--to <time>', 'end', 'now')
    .action(async (name: string, options: ReplayOptions, command: Command) => {
      const { config } = commandContext(command);
      const slo = config.slos.find((s) => s.name === name);
      if (!slo)
        throw new RangeError(
          `no SLO named "${name}"; configured: ${config.slos.map((s) => s.name).join(', ') || 'none'}`,
        );
      const minuteUs = 60e6;
      const range = {
        fromUs: Math.floor(parseTimeUs(options.from) / minuteUs) * minuteUs,
        toUs: Math.floor(parseTimeUs(options.to) / minuteUs) * minuteUs,
      };
      if (range.toUs <= range.fromUs) throw new RangeError('--to must be after --from');
      const replay = await withStore(config, (store) => replaySlo(store, sloSpec(slo), range, minuteUs));
      for (const t of replay.transitions)
        process.stdout.write(
          `${formatUs(t.atUs)}  ${t.alert.padEnd(10)} ${t.severity.padEnd(6)} ${t.from} → ${t.to}\n`,
        );
      process.stdout.write(
        `${replay.transitions.length} transitions over ${replay.times.length} evaluations\n`,
      );
    });
}

interface StatusOptions {
  at: string;
  json?: boolean;
}

const percent = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)} %`);

function statusCommand(): Command {
  return new Command('status')
    .description(
      'each SLO now: SLI and error budget over its window, burn rate per alert window, alert states',
    )
    .argument('[slo]', 'only this SLO')
    .option('--at <time>', 'evaluate at this time instead of now', 'now')
    .option('--json', 'print the full status as JSON')
    .action(async (name: string | undefined, options: StatusOptions, command: Command) => {
      const { config } = commandContext(command);
      const slos = name ? config.slos.filter((s) => s.name === name) : config.slos;
      if (slos.length === 0)
        throw new RangeError(
          name
            ? `no SLO named "${name}"; configured: ${config.slos.map((s) => s.name).join(', ') || 'none'}`
            : 'no SLOs in the config: add some under slos',
        );
      const intervalUs = parseDurationMs(config.alerting.evaluation_interval) * 1000;
      const atUs = Math.floor(parseTimeUs(options.at) / intervalUs) * intervalUs;
      const statuses = await withStore(config, async (store) => {
        // Alert states come from the live evaluator's stored transitions; nothing is written.
        const evaluator = new SloEvaluator({
          store,
          specs: slos.map(sloSpec),
          intervalUs,
          delayUs: 0,
          clock: () => atUs,
          readOnly: true,
        });
        await evaluator.restore();
        return evaluator.evaluateAt(atUs);
      });
      if (options.json) return void process.stdout.write(`${JSON.stringify(statuses, null, 2)}\n`);
      process.stdout.write(`at ${formatUs(atUs)}\n`);
      process.stdout.write(
        `${renderTable(
          ['SLO', 'objective', 'window', 'SLI', 'budget left', 'events'],
          statuses.map((s) => [
            s.slo,
            percent(s.objective),
            s.window,
            percent(s.sli),
            percent(s.budgetRemaining),
            Number(s.total.toFixed(0)).toLocaleString('en-US'),
          ]),
        )}\n`,
      );
      process.stdout.write(
        `${renderTable(
          ['SLO', 'alert', 'long burn', 'short burn', 'fires at', 'state'],
          statuses.flatMap((s) =>
            s.alerts.map((a) => [
              s.slo,
              a.alert,
              `${a.long.burnRate.toFixed(2)}× (${a.long.window})`,
              `${a.short.burnRate.toFixed(2)}× (${a.short.window})`,
              `${a.burnRate.toFixed(2)}×`,
              a.state,
            ]),
          ),
        )}\n`,
      );
      const banded = statuses.filter((s) => s.bands.length > 1);
      if (banded.length > 0)
        process.stdout.write(
          `${renderTable(
            ['SLO', 'prompt band (tokens)', 'good', 'events', 'bad share'],
            banded.flatMap((s) =>
              s.bands.map((b) => [
                s.slo,
                b.band,
                b.good.toFixed(0),
                b.total.toFixed(0),
                percent(b.errorRatio),
              ]),
            ),
          )}\n`,
        );
    });
}

export function sloCommand(): Command {
  return new Command('slo')
    .description('service level objectives')
    .addCommand(statusCommand())
    .addCommand(rulesCommand())
    .addCommand(replayCommand());
}
