import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { isSeq, parseDocument, type Document } from 'yaml';
import type { Change, WorkloadFacts } from './recommendation.ts';

/**
 * Kubernetes Deployment manifests in a directory, one per workload (`<workload>.yaml`), as a
 * GitOps repository holds them: the target recommendations are previewed against and applied to.
 * Edits keep the file's comments and layout (yaml's document API).
 */
export class FileTarget {
  constructor(readonly dir: string) {}

  fileOf(workload: string): string {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(workload)) throw new RangeError(`not a workload name: "${workload}"`);
    return join(this.dir, `${workload}.yaml`);
  }

  /** Whether the directory holds a manifest for this workload (false for a name that cannot be one). */
  has(workload: string): boolean {
    try {
      return existsSync(this.fileOf(workload));
    } catch {
      return false;
    }
  }

  read(workload: string): string {
    const file = this.fileOf(workload);
    if (!existsSync(file)) throw new RangeError(`no manifest for workload ${workload} (${file})`);
    return readFileSync(file, 'utf8');
  }

  facts(workload: string): WorkloadFacts {
    const doc = parseDocument(this.read(workload));
    const args = containerArgs(doc);
    const engineArgs: Record<string, string> = {};
    args.forEach((arg, i) => {
      const [flag, ...value] = arg.split('=');
      if (!flag?.startsWith('--')) return;
      const next = args[i + 1];
      // `--flag=value`, or `--flag` `value` as two items.
      engineArgs[flag] =
        value.length > 0 ? value.join('=') : next !== undefined && !next.startsWith('-') ? next : '';
    });
    return {
      workload,
      replicas: Number(doc.getIn(['spec', 'replicas'])) || 1,
      engineArgs,
      engine: engineOf(doc),
    };
  }

  /** The manifest as it would be after the change. */
  changed(change: Change, text: string): string {
    const doc = parseDocument(text);
    if (change.kind === 'set_replicas') doc.setIn(['spec', 'replicas'], change.replicas);
    else {
      const path = ['spec', 'template', 'spec', 'containers', 0, 'args'];
      const args = doc.getIn(path);
      if (!isSeq(args)) throw new RangeError(`${change.workload}: the first container has no args list`);
      const text = (i: number) =>
        String((args.items[i] as { value?: unknown } | undefined)?.value ?? args.items[i]);
      const joined = args.items.findIndex((_, i) => text(i).startsWith(`${change.flag}=`));
      const split = args.items.findIndex((_, i) => text(i) === change.flag && i + 1 < args.items.length);
      if (joined >= 0) args.set(joined, `${change.flag}=${change.value}`);
      else if (split >= 0)
        args.set(split + 1, change.value); // `--flag` `value`: the value item
      else args.add(`${change.flag}=${change.value}`);
    }
    return doc.toString();
  }

  /**
   * The change as it would be written. `file` is the manifest's name inside the manifests
   * directory: previews are shown to API callers, who have no business knowing server paths.
   */
  preview(change: Change): { file: string; before: string; after: string; diff: string } {
    const file = `${change.workload}.yaml`;
    const before = this.read(change.workload);
    const after = this.changed(change, before);
    return {
      file,
      before,
      after,
      diff: createTwoFilesPatch(file, file, before, after, 'now', 'recommended'),
    };
  }

  /** Writes new content atomically (temp file + rename), only if the file still holds `expected`. */
  replace(workload: string, expected: string, content: string): void {
    const file = this.fileOf(workload);
    const current = this.read(workload);
    if (current !== expected)
      throw new RangeError(`${file} changed since it was read (someone edited it): review it again`);
    // A fresh name, created exclusively: a link planted at a predictable temp path is never followed.
    const temp = `${file}.kubeburner-${randomUUID()}.tmp`;
    writeFileSync(temp, content, { flag: 'wx' });
    renameSync(temp, file);
  }
}

/** Engines told apart by what the first container runs: its image, command and arguments. */
const ENGINE_PATTERNS: [string, RegExp][] = [
  ['vllm', /vllm/i],
  ['sglang', /sglang/i],
  // Triton first: its TensorRT-LLM backend is configured in config.pbtxt, not by trtllm-serve flags.
  ['triton', /tritonserver|triton-?inference-?server/i],
  ['trtllm', /trtllm|tensorrt[-_]?llm/i],
  ['tgi', /text-generation-(inference|launcher)/i],
  ['llamacpp', /llama[.-]?cpp|llama-server/i],
];

/** The engine a Deployment's first container runs, or null when none is recognised. */
export function engineOf(doc: Document): string | null {
  const container = ['spec', 'template', 'spec', 'containers', 0];
  const words = [
    doc.getIn([...container, 'image']),
    doc.getIn([...container, 'command']),
    doc.getIn([...container, 'args']),
  ]
    .map((v) =>
      isSeq(v)
        ? v.items.map((i) => String((i as { value?: unknown }).value ?? i)).join(' ')
        : String(v ?? ''),
    )
    .join(' ');
  return ENGINE_PATTERNS.find(([, pattern]) => pattern.test(words))?.[0] ?? null;
}

function containerArgs(doc: Document): string[] {
  const args = doc.getIn(['spec', 'template', 'spec', 'containers', 0, 'args']);
  if (!isSeq(args)) return [];
  return args.items.map((item) => String((item as { value?: unknown }).value ?? item));
}
