#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/index.ts';
import { chargebackCommand } from './chargeback-command.ts';
import { collectCommand } from './collect-command.ts';
import { configCommand } from './config-command.ts';
import { demoCommand } from './demo-command.ts';
import { gatewayCommand } from './gateway-command.ts';
import { recommendCommand } from './recommend-command.ts';
import { requestsCommand } from './requests-command.ts';
import { sloCommand } from './slo-command.ts';
import { serveCommand } from './serve-command.ts';
import { tokenCommand } from './token-command.ts';
import { storeCommand } from './store-command.ts';

export function buildProgram(): Command {
  const program = new Command('kubeburner')
    .description('Inference operations for LLMs on Kubernetes: explain every request, price every span.')
    .option('-c, --config <file>', 'YAML config file (default: $KUBEBURNER_CONFIG, else built-in defaults)')
    .option('--log-level <level>', 'trace, debug, info, warn, error, silent')
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(demoCommand());
  program.addCommand(collectCommand());
  program.addCommand(serveCommand());
  program.addCommand(gatewayCommand());
  program.addCommand(configCommand());
  program.addCommand(storeCommand());
  program.addCommand(requestsCommand());
  program.addCommand(chargebackCommand());
  program.addCommand(sloCommand());
  program.addCommand(recommendCommand());
  program.addCommand(tokenCommand());
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    process.stderr.write(`kubeburner: ${(err as Error).message}\n`);
    return 1;
  }
}

const code = await main(process.argv);
// A command that failed may have left servers listening (the demo's engines, a gateway): the
// error is the end of it, not a process running on half-started.
if (code !== 0) process.stderr.write('', () => process.exit(code));
else process.exitCode = code;
