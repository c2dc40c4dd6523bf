import { Command } from 'commander';
import { stringify } from 'yaml';
import { prometheusRuleResource, prometheusRules } from '../analyze/slo/prometheus-rules.ts';
import { replaySlo } from '../analyze/slo/replay.ts';
import { sloSpec } from '../analyze/slo/spec.ts';
import { formatUs, parseTimeUs } from '../util/time.ts';
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

export function sloCommand(): Command {
  return new Command('slo')
    .description('service level objectives')
    .addCommand(rulesCommand())
    .addCommand(replayCommand());
}
