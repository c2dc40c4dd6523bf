import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, parseConfigYaml, resolveDataPath } from './index.ts';

function problems(yaml: string): string[] {
  try {
    parseConfigYaml(yaml, 'test.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected the config to be rejected');
}

describe('config', () => {
  it('gives a working embedded setup with no file at all', () => {
    const config = loadConfig();
    assert.equal(config.store.backend, 'duckdb');
    assert.equal(config.store.duckdb.path, 'kubeburner.duckdb');
    assert.equal(config.privacy.store_prompt_text, false, 'prompt text is off by default');
    assert.deepEqual(config.store.retention, { requests_days: 30, spans_days: 30, metrics_days: 15 });
    assert.equal(config.server.host, '127.0.0.1');
  });

  it('names the path and reason of every problem', () => {
    const found = problems(`
slos:
  - { name: a, objective: 0.99, availability: {} }
  - { name: b, objective: 0.99, availability: {} }
  - name: c
    objective: 0.99
    ttft:
      bands:
        - { max_prompt_tokens: "1k", threshold: 500ms }
store:
  backend: postgres
  extra: 1
`);
    assert.deepEqual(found, [
      'store.backend: Invalid option: expected one of "duckdb"|"clickhouse"',
      'store.extra: unknown key',
      'slos[2].ttft.bands[0].max_prompt_tokens: expected number',
    ]);
  });

  it('rejects out-of-range values and malformed durations', () => {
    const found = problems(`
server: { port: 70000 }
slos:
  - name: x
    objective: 1.5
    window: 4 weeks
    availability: {}
`);
    assert.equal(found.length, 3);
    assert.match(found.find((p) => p.startsWith('server.port')) ?? '', /65535/);
    assert.match(found.find((p) => p.startsWith('slos[0].objective')) ?? '', /1/);
    assert.match(found.find((p) => p.startsWith('slos[0].window')) ?? '', /expected a duration such as/);
  });

  it('checks SLO specs as a whole: one SLI, ascending open-ended bands, known receivers', () => {
    const found = problems(`
alerting:
  receivers: [{ name: oncall, kind: slack, url: 'https://hooks.slack.com/services/T/B/x' }]
slos:
  - { name: both, objective: 0.99, availability: {}, tpot: { threshold: 50ms } }
  - name: bands
    objective: 0.99
    ttft:
      bands:
        - { max_prompt_tokens: 8000, threshold: 1s }
        - { max_prompt_tokens: 1000, threshold: 500ms }
        - { max_prompt_tokens: 32000, threshold: 4s }
  - { name: both, objective: 0.9, availability: {}, alerting: { notify: [pager] } }
`);
    assert.deepEqual(found, [
      'slos[0]: give exactly one SLI: ttft, tpot or availability (found tpot, availability)',
      'slos[1].ttft.bands[1].max_prompt_tokens: bands must ascend',
      'slos[1].ttft.bands[2].max_prompt_tokens: the last band must be open (no max_prompt_tokens) so every prompt length has a threshold',
      'slos[2].alerting.notify[0]: no receiver named "pager" under alerting.receivers',
      'slos[2].name: another SLO is already named "both"',
    ]);
  });

  it('refuses a digest sent to an Alertmanager receiver, or to none that exists', () => {
    assert.deepEqual(
      problems(`
alerting:
  receivers: [{ name: am, kind: alertmanager, url: 'http://alertmanager:9093/hook' }]
  digest: { receiver: am }
`),
      [
        'alerting.digest.receiver: receiver "am" is an Alertmanager webhook, which takes alerts, not digests; use a slack or webhook receiver',
      ],
    );
    assert.deepEqual(problems('alerting: { digest: { receiver: slack } }'), [
      'alerting.digest.receiver: no receiver named "slack" under alerting.receivers',
    ]);
  });

  it('refuses a scrape target whose node price label is not a number', () => {
    const found = problems(`
collect:
  scrape:
    targets:
      - { url: 'http://vllm-0:8000/metrics', node_labels: { kubeburner.io/usd-per-gpu-hour: cheap } }
`);
    assert.deepEqual(found, [
      'collect.scrape.targets[0].node_labels: node label kubeburner.io/usd-per-gpu-hour: expected a positive number, got "cheap"',
    ]);
  });

  it('refuses a scrape target whose GPU type has no price, unless an override or node label prices it', () => {
    const target = (extra: string) => `
collect:
  scrape:
    targets:
      - { url: 'http://127.0.0.1:8081/metrics', gpu_type: CPU${extra} }
`;
    assert.deepEqual(problems(target('')), [
      "collect.scrape.targets[0].gpu_type: no on_demand price for GPU type CPU in aws's list: add one under pricing.overrides",
    ]);
    assert.match(problems(target('').replace('CPU', 'A100'))[0] ?? '', /write A100-40GB or A100-80GB/);
    parseConfigYaml(
      `${target('')}pricing: { overrides: [{ gpu_type: CPU, usd_per_gpu_hour: 0.05 }] }\n`,
      'ok.yaml',
    );
    parseConfigYaml(target(", node_labels: { 'kubeburner.io/usd-per-gpu-hour': '0.05' }"), 'ok.yaml');
    parseConfigYaml(target('').replace('CPU', 'H100'), 'ok.yaml');
  });

  it('refuses a data directory on a kernel file system', () => {
    assert.deepEqual(problems('data_dir: /proc/self\n'), ['data_dir: not under /proc, /sys or /dev']);
  });

  it('refuses one API token hash given to two holders', () => {
    const hash = 'a'.repeat(64);
    assert.deepEqual(
      problems(
        `server:\n  tokens:\n    - { name: ops, token_sha256: ${hash} }\n    - { name: ci, token_sha256: ${hash} }\n`,
      ),
      ['server.tokens[1].token_sha256: the same token is already "ops": a token must say who holds it'],
    );
  });

  it('reports YAML syntax errors with line and column', () => {
    const [problem] = problems('store:\n  backend: [duckdb\n');
    assert.match(problem ?? '', /^line \d+, column \d+:/);
  });

  it('rejects duplicate keys instead of silently keeping one', () => {
    assert.match(problems('log: { level: info }\nlog: { level: debug }\n')[0] ?? '', /unique|duplicate/i);
  });

  it('loads a file, and says which file cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kb-config-'));
    const path = join(dir, 'kubeburner.yaml');
    writeFileSync(
      path,
      'data_dir: /var/lib/kb\nstore:\n  backend: clickhouse\n  clickhouse: { url: http://ch:8123 }\n',
    );
    const config = loadConfig(path);
    assert.equal(config.store.backend, 'clickhouse');
    assert.equal(config.store.clickhouse.database, 'kubeburner');
    assert.equal(resolveDataPath(config, 'x.duckdb'), '/var/lib/kb/x.duckdb');
    assert.equal(resolveDataPath(config, '/abs/x.duckdb'), '/abs/x.duckdb');
    assert.throws(
      () => loadConfig(join(dir, 'missing.yaml')),
      (err: unknown) => err instanceof ConfigError && /cannot read file/.test(err.problems[0] ?? ''),
    );
  });
});
