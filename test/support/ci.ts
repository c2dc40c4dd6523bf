/**
 * A real dependency (a server, a CLI) is missing: outside CI the tests that need it are skipped
 * with this reason; in CI, where .ci/run installs it, that is a failure.
 */
export function skipOutsideCi(reason: string): string {
  if (process.env.CI) throw new Error(reason);
  return reason;
}
