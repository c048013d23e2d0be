import { defineConfig } from "vite";

// Relative asset paths: the same build is served by Tauri (custom protocol) and by
// `lexilingo serve` at `/`. Everything, the font included, is bundled: the app works offline.
export default defineConfig({
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // No inline data: URLs for fonts, so the strict CSP needs no exceptions.
    assetsInlineLimit: 0,
  },
  server: { port: 5173, strictPort: true },
});
