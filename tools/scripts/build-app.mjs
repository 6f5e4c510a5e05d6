// Bundles one app into dist/apps/<app>/main.js with esbuild: workspace libs are inlined (through the
// tsconfig paths), npm packages stay external and come from `npm ci --omit=dev` in the image.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const app = process.argv[2];
if (!app || !existsSync(join(root, 'apps', app, 'src', 'main.ts'))) {
  console.error(`usage: build-app.mjs <app>  (no apps/${app}/src/main.ts)`);
  process.exit(2);
}
const outdir = join(root, 'dist', 'apps', app);
rmSync(outdir, { recursive: true, force: true });
// main.ts, and the notifier's backfill command next to it (dist/apps/notifier/backfill.js).
const entries = ['main', 'backfill'].filter((name) =>
  existsSync(join(root, 'apps', app, 'src', `${name}.ts`)),
);
await build({
  entryPoints: Object.fromEntries(
    entries.map((name) => [name, join(root, 'apps', app, 'src', `${name}.ts`)]),
  ),
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  packages: 'external',
  tsconfig: join(root, 'tsconfig.base.json'),
  logLevel: 'warning',
});
// The sink and the notifier apply the SQL migrations at start; they ship next to main.js.
if (app === 'sink' || app === 'notifier') {
  cpSync(join(root, 'libs', 'pg', 'migrations'), join(outdir, 'migrations'), { recursive: true });
}
console.log(`built dist/apps/${app}/main.js`);
