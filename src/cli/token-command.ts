import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { stringify } from 'yaml';
import { hashApiKey } from '../gateway/tenants.ts';

/** `kubeburner token create`: a new API token and the config entry that admits it (by its hash). */
export function tokenCommand(): Command {
  const token = new Command('token').description('API tokens for the UI and HTTP API');
  token
    .command('create')
    .description(
      'print a new random API token and its server.tokens entry (only the sha256 goes in the config)',
    )
    .requiredOption('--name <name>', 'who holds it')
    .option('--teams <teams>', 'scope it to these teams (comma-separated): it sees only their data')
    .action((options: { name: string; teams?: string }) => {
      const value = `kb_${randomBytes(24).toString('base64url')}`;
      const teams = options.teams
        ?.split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      const entry = {
        name: options.name,
        token_sha256: hashApiKey(value),
        ...(teams?.length ? { teams } : {}),
      };
      process.stdout.write(`token (shown once; send as Authorization: Bearer <token>):\n  ${value}\n\n`);
      process.stdout.write(`add to the config:\n${stringify({ server: { tokens: [entry] } })}`);
    });
  return token;
}
