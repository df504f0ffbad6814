import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// `npm run dev` proxies the API and the streams to a running `make run`
// (HAProxy on https://127.0.0.1:8443), so the console is developed against
// the real stack.
const edge = process.env.CAMPLANE_EDGE ?? 'https://127.0.0.1:8443';

export default defineConfig({
  plugins: [react()],
  build: { sourcemap: true, chunkSizeWarningLimit: 1024 },
  server: {
    proxy: {
      '/api': { target: edge, secure: false },
      '/hls': { target: edge, secure: false },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
