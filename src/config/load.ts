import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type KubeBurnerConfig } from './schema.ts';

/** A config that failed validation; `problems` holds one line per problem, path first. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid config ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `slos[2].ttft.bands[0].max_prompt_tokens` from zod's path array. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = formatIssuePath(issue.path);
  if (issue.code === 'invalid_type') {
    return `${path}: expected ${issue.expected}`;
  }
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatIssuePath([...issue.path, key])}: unknown key`).join('\n');
  }
  return `${path}: ${issue.message}`;
}

/** Validates an already-parsed value (from YAML, JSON or code). */
export function parseConfig(value: unknown, source = '(inline)'): KubeBurnerConfig {
  const result = configSchema.safeParse(value ?? {});
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues.flatMap((issue) => describeIssue(issue).split('\n')),
    );
  }
  return result.data;
}

/** Parses YAML text; syntax errors name the line and column. */
export function parseConfigYaml(text: string, source = '(inline)'): KubeBurnerConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return pos ? `line ${pos.line}, column ${pos.col}: ${e.message.split('\n')[0]}` : e.message;
      }),
    );
  }
  return parseConfig(doc.toJS(), source);
}

/** Loads the config file, or the defaults when no path is given (a working embedded setup). */
export function loadConfig(path?: string): KubeBurnerConfig {
  if (!path) return parseConfig({}, '(defaults)');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [`cannot read file: ${(err as Error).message}`]);
  }
  return parseConfigYaml(text, path);
}

/** Resolves a path from the config against data_dir (absolute paths stay as they are). */
export function resolveDataPath(config: KubeBurnerConfig, path: string): string {
  return isAbsolute(path) ? path : resolve(config.data_dir, path);
}
