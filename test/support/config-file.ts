import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A config file in a fresh directory (its data directory too) for a CLI run on loopback: quiet
 * logs, the API on `apiPort`, then the test's own lines.
 */
export function configFile(
  prefix: string,
  apiPort: number,
  lines: readonly string[],
): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const path = join(dir, 'kubeburner.yaml');
  writeFileSync(
    path,
    [
      `data_dir: ${dir}`,
      'log: { level: warn }',
      `server: { host: 127.0.0.1, port: ${apiPort} }`,
      ...lines,
      '',
    ].join('\n'),
  );
  return { dir, path };
}
