#!/usr/bin/env node
// Build the package: ESM (dist/) for `import`, CommonJS (dist/cjs/) for `require`, each with
// its own declarations, so `require('proxytrust/...')` and every TypeScript module mode
// (node16 CJS and ESM, bundler, node10) resolve code and types of the right kind.
// The CommonJS build covers the library entry points only; the CLI is ESM.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

rmSync(join(root, 'dist'), { recursive: true, force: true });
for (const project of ['tsconfig.build.json', 'tsconfig.cjs.json']) {
  const r = spawnSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status || 1);
}
// Inside dist/cjs, .js and .d.ts files are CommonJS.
writeFileSync(join(root, 'dist', 'cjs', 'package.json'), '{ "type": "commonjs" }\n');
