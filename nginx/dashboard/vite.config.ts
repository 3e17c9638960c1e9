// Build of the dashboard that nginx serves. Output: dist/ with content-hashed
// files under dist/assets/ (nginx may cache those forever). Each asset also gets
// a .gz twin so nginx can answer with `gzip_static on` without compressing per
// request.
import { defineConfig, type Plugin } from 'vite';
import { gzipSync } from 'node:zlib';
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function gzipAssets(): Plugin {
  return {
    name: 'codepiper-gzip-assets',
    apply: 'build',
    closeBundle() {
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const p = join(dir, name);
          if (statSync(p).isDirectory()) walk(p);
          else if (/\.(js|css|html|svg|json|webmanifest)$/.test(name)) {
            writeFileSync(p + '.gz', gzipSync(readFileSync(p), { level: 9 }));
          }
        }
      };
      walk('dist');
    },
  };
}

export default defineConfig({
  base: '/',
  plugins: [gzipAssets()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    assetsDir: 'assets',
    sourcemap: false,
    manifest: true,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:3000',
      '/ws': { target: 'ws://127.0.0.1:3000', ws: true },
    },
  },
});
