import { fileURLToPath } from 'node:url';

/** Where `npm run build:web` puts the built UI (dist/web at the repository root). */
export const WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));
