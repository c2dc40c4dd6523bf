import { fileURLToPath } from 'node:url';

/** The repository root, wherever the tests are started from. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Real engine output (and a few marked synthetic) with their sources: `SOURCES.md` in each engine's
 * folder. Copied from the project's shared reference fixtures so a fresh clone has them.
 */
export const ENGINE_FIXTURES = fileURLToPath(new URL('../fixtures/engines', import.meta.url));
