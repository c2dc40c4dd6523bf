import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseExposition } from './exposition.ts';
import { ENGINE_FIXTURES } from '../../../test/support/fixtures.ts';

const FIXTURES = ENGINE_FIXTURES;
const fixtures = readdirSync(FIXTURES).flatMap((engine) =>
  readdirSync(`${FIXTURES}/${engine}`)
    .filter((f) => f.endsWith('.prom'))
    .map((f) => readFileSync(`${FIXTURES}/${engine}/${f}`, 'utf8')),
);

/** Properties every parse must have, whatever the input. */
function checkParse(text: string): void {
  const started = performance.now();
  const { families, errors } = parseExposition(text);
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 250, `parse took ${elapsed} ms`);
  const lines = text.split('\n').length;
  for (const e of errors) assert.ok(e.line >= 1 && e.line <= lines && e.message.length > 0);
  for (const f of families) for (const s of f.samples) assert.equal(typeof s.value, 'number');
}

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(),
    char: fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
  }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.nat(200) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom(
      '{',
      '}',
      '"',
      '\\',
      '=',
      ',',
      '\n',
      '# TYPE x histogram\n',
      'le="+Inf"',
      ' NaN',
      ' 1e999',
      '\u0000',
      '{{{{',
      '"""',
    ),
  }),
);

function mutate(
  text: string,
  mutations: { kind: string; at: number; char?: string; length?: number; text?: string }[],
): string {
  let out = text;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.kind === 'flip') out = out.slice(0, at) + m.char + out.slice(at + 1);
    else if (m.kind === 'cut') out = out.slice(0, at) + out.slice(at + (m.length ?? 0));
    else out = out.slice(0, at) + m.text + out.slice(at);
  }
  return out;
}

describe('exposition parser fuzzing (10,000 cases)', () => {
  it('never throws or hangs on mutated real fixtures (6,000 cases)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures),
        fc.array(mutation, { minLength: 1, maxLength: 8 }),
        (text, mutations) => checkParse(mutate(text, mutations)),
      ),
      { numRuns: 6000, seed: 42 },
    );
  });

  it('never throws or hangs on random text (4,000 cases)', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 200, unit: 'grapheme' }),
      fc.string({ maxLength: 200, unit: 'binary' }),
      fc
        .tuple(
          fc.constantFrom('vllm:x', 'a_b', '"q.name"', ''),
          fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 8 }), { maxKeys: 4 }),
          fc.double(),
        )
        .map(
          ([name, labels, value]) =>
            `${name}{${Object.entries(labels)
              .map(([k, v]) => `${k}="${v}"`)
              .join(',')}} ${value}`,
        ),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), (lines) => checkParse(lines.join('\n'))),
      { numRuns: 4000, seed: 7 },
    );
  });

  it('stays linear on pathological input (a very long line, deep braces)', () => {
    checkParse(`x{${'a="b",'.repeat(20_000)}} 1`);
    checkParse('{'.repeat(100_000));
    checkParse(`${'"'.repeat(50_000)}\n${'\\'.repeat(50_000)}`);
  });
});
