/**
 * Resolves on the first SIGINT or SIGTERM and keeps the process alive through the shutdown that
 * follows. Ctrl-C reaches every process of the terminal's group, and wrappers (npm, tsx) relay it
 * too, so the same interrupt can arrive twice: with `process.once` the second one would kill the
 * process mid-shutdown, losing the final flush. Repeats within `graceMs` are ignored; a later one
 * (a person pressing Ctrl-C again) exits at once.
 */
export function stopSignal(graceMs = 3000): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let firstAt: number | null = null;
    const onSignal = (signal: NodeJS.Signals) => {
      if (firstAt === null) {
        firstAt = Date.now();
        resolve(signal);
      } else if (Date.now() - firstAt > graceMs) {
        process.exit(130);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
