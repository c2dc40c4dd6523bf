/**
 * The one way tests reach the real engine: upstream llama.cpp's `llama-server` (a static CPU build)
 * and `make-tiny-gguf.mjs`, which live outside the repository in `../shared/engines/` (CI has it;
 * a fresh clone does not). `KUBEBURNER_ENGINES_DIR` points elsewhere. Nothing else in the tests
 * reads outside the repository — `.ci/run` checks that.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { skipOutsideCi } from './ci.ts';
import { REPO_ROOT } from './fixtures.ts';
import { freePort } from './net.ts';

export const ENGINES_DIR = resolve(
  process.env.KUBEBURNER_ENGINES_DIR ?? join(REPO_ROOT, '..', 'shared', 'engines'),
);
const SERVER_BINARY = join(ENGINES_DIR, 'llama.cpp', 'llama-server');
const MODEL_WRITER = join(ENGINES_DIR, 'make-tiny-gguf.mjs');

/**
 * Why the real-engine tests cannot run here, or undefined when they can. Outside CI the caller
 * skips with this reason; in CI (where the engine must be present) it throws.
 */
export function llamaServerMissing(): string | undefined {
  if (existsSync(SERVER_BINARY) && existsSync(MODEL_WRITER)) return undefined;
  return skipOutsideCi(
    `the real llama.cpp engine is not at ${ENGINES_DIR} (llama.cpp/llama-server and make-tiny-gguf.mjs; ` +
      'set KUBEBURNER_ENGINES_DIR to where they are)',
  );
}

/** A small random-weight model, written once per machine into the temp folder (about 250 MB, ~5 s). */
export function tinyModel(): string {
  const path = join(tmpdir(), 'kubeburner-tiny-llama.gguf');
  if (existsSync(path)) return path;
  const partial = `${path}.${process.pid}.partial`;
  execFileSync(process.execPath, [MODEL_WRITER, partial], { stdio: 'ignore' });
  renameSync(partial, path);
  return path;
}

export interface LlamaServerOptions {
  /** Parallel slots (`-np`); requests beyond them wait in the engine's queue. */
  slots?: number;
  /** Total context (`-c`), shared by the slots. */
  contextTokens?: number;
  /** Compute threads (`-t`, default 2). One leaves a core for the client and KubeBurner on 2-core machines. */
  threads?: number;
  extraArgs?: string[];
}

export interface RunningLlamaServer {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `llama-server` on 127.0.0.1 with `--metrics --slots`, resolved once `/health` says ok. */
export async function startLlamaServer(options: LlamaServerOptions = {}): Promise<RunningLlamaServer> {
  const port = await freePort();
  const args = [
    ['-m', tinyModel()],
    ['--host', '127.0.0.1', '--port', String(port)],
    ['--metrics', '--slots'],
    ['-np', String(options.slots ?? 4), '-c', String(options.contextTokens ?? 2048)],
    // A streaming request holds an HTTP thread for its whole life,
    // so a small HTTP pool would hide the engine's queue in the HTTP layer (engines README).
    ['-t', String(options.threads ?? 2), '--threads-http', '32'],
    options.extraArgs ?? [],
  ].flat();
  const child = spawn(SERVER_BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopProcess(child);
  try {
    await waitForHealth(url, child, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, process: child, stop };
}

async function waitForHealth(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`llama-server exited with ${child.exitCode}: ${log()}`);
    const ok = await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`llama-server did not become healthy in 60 s: ${log()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
