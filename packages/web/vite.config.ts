import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// Built into dist/app, which the service serves; `npm run dev -w @osusume/web` proxies the API to a
// service on port 3000.
export default defineConfig({
  plugins: [vue()],
  build: { outDir: 'dist/app', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 300 },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
