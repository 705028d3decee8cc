// Vite build of the web console (DESIGN.md §2: `web/` is a Svelte app that imports only `src/api`). Built into
// dist/web, which `corral serve` serves at `/`; hashed asset names let the server cache `/assets/*` for good.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'web',
  base: '/',
  plugins: [svelte()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    // Svelte's compile step dominates on 2-core CI machines; the timing hint about it is noise there.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
  server: {
    // `vite` (dev) proxies the API to a running `corral serve`.
    proxy: { '/api': 'http://127.0.0.1:11434', '/v1': 'http://127.0.0.1:11434' },
  },
});
