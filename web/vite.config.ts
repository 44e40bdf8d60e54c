/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The gateway serves the build (web/dist) and is the one origin: in `npm run dev` the APIs are proxied to it.
const gateway = process.env.GATEWAY_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: Object.fromEntries(["/api", "/auth", "/track/"].map((p) => [p, { target: gateway, changeOrigin: false }])),
  },
  build: {
    // No inline scripts or module preload polyfill: the gateway's CSP has script-src 'self' only.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1500,
    // No manual vendor chunks: what only a lazy area page uses (most of Ant Design's components, echarts) stays
    // in that page's chunks, so the first load carries the shell alone (tests/test_web_bundle.py keeps it small).
  },
  test: {
    environment: "jsdom",
    setupFiles: ["src/test/setup.ts"],
    css: false,
  },
});
