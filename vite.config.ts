// The browser client's build (docs/frontend.md). One entry per page: the chat app and a
// workspace's Integrations page now; the admin console and the visitor widget get entries of
// their own; code two entries import (static/src/shared) becomes a chunk they share. The server reads the manifest to
// link each page's hashed files (chat/web/assets.py) and serves them with a year-long cache.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  base: '/static/dist/',
  publicDir: false,
  build: {
    outDir: 'static/dist',
    emptyOutDir: true,
    manifest: true,
    sourcemap: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        chat: 'static/src/chat/main.tsx',
        integrations: 'static/src/integrations/main.tsx',
        // The stylesheet of every page, the sign-in pages included.
        style: 'static/src/styles/app.css',
      },
      // Chunks besides the entries hold code several pages import (static/src/shared).
      output: { chunkFileNames: 'assets/shared-[hash].js' },
    },
  },
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  test: {
    include: ['tests/client/**/*.test.{ts,tsx}'],
    environment: 'happy-dom',
    // The #app[data-me] element (and the CSRF meta tag) state.ts and api.ts read on import.
    setupFiles: ['tests/client/setup.ts'],
  },
});
