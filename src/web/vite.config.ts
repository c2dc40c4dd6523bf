import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// The UI is a static bundle in dist/web, served by `kubeburner serve`, `collect` and `demo`.
// `npm run dev:web` proxies /api to a running server on :8080 while working on the UI.
export default defineConfig({
  root: here('.'),
  plugins: [react()],
  build: { outDir: here('../../dist/web'), emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
