import { defineConfig } from 'tsup';
import { buildPage } from './scripts/build-page.mjs';

// One build for both module systems. Splitting keeps the core in a shared chunk so that
// `replaylink` and `replaylink/express` share one AsyncLocalStorage within each format.
export default defineConfig({
  entry: ['src/index.ts', 'src/receiver/cli.ts', 'adapters/*.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  splitting: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  outDir: 'dist',
  // Gives the CommonJS build `import.meta.url` (optional peers are resolved from it).
  shims: true,
  // The receiver's page: its own files, compiled for the browser.
  onSuccess: async () => buildPage(),
});
