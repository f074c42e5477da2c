// Builds the web client into <out>/dist: app.js (one ES module bundle), app.css,
// timer-worker.js, index.html and the icons. esbuild comes from the build tree's
// node_modules (npm ci runs there, never in the source tree), so it is loaded by path.
//
// Usage: node web/build.mjs <build-dir-with-node_modules>
import { createRequire } from 'node:module';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const srcDir = path.dirname(fileURLToPath(import.meta.url));
const outRoot = path.resolve(process.argv[2] || path.join(srcDir, '..', 'build', 'web'));
const modules = path.join(outRoot, 'node_modules');
const require = createRequire(path.join(outRoot, 'package.json'));
const esbuild = require('esbuild');
const dist = path.join(outRoot, 'dist');

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const common = {
  bundle: true,
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  target: ['es2020'],
  nodePaths: [modules],
  logLevel: 'warning',
};
await esbuild.build({
  ...common,
  entryPoints: [path.join(srcDir, 'src', 'main.js')],
  outfile: path.join(dist, 'app.js'),
  format: 'esm',
  platform: 'browser',
  // MQTT.js's browser bundle reads these Node globals.
  define: { global: 'globalThis' },
});
await esbuild.build({
  ...common,
  entryPoints: [path.join(srcDir, 'src', 'timer-worker.js')],
  outfile: path.join(dist, 'timer-worker.js'),
  format: 'iife',
});
await esbuild.build({
  ...common,
  entryPoints: [path.join(srcDir, 'src', 'app.css')],
  outfile: path.join(dist, 'app.css'),
});
for (const f of readdirSync(path.join(srcDir, 'public'))) {
  cpSync(path.join(srcDir, 'public', f), path.join(dist, f), { recursive: true });
}
console.log(`imchat web: built ${dist}`);
