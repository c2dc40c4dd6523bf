import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface CliProcess {
  child: ChildProcess;
  /** SIGINT, then waits for it to exit (a graceful stop: buffers flushed). */
  stop(): Promise<void>;
}

/**
 * `kubeburner --config <path> <command>` as its own process, resolved once it prints its first
 * line (it is listening); killed if the test process exits first.
 */
export async function startCli(configPath: string, command: string): Promise<CliProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', '--config', configPath, command],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  process.once('exit', () => child.exitCode === null && child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`kubeburner ${command} exited with ${code} before it was ready`)),
    );
    createInterface({ input: child.stdout! }).once('line', () => resolve());
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  };
  return { child, stop };
}
