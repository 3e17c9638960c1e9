// Gzip size of what each route loads first: the entry with its static imports
// (what index.html pulls in), plus each lazily loaded page with its own static
// imports. Fails the build when any of them exceeds the budget.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const BUDGET = 300 * 1024;
const dist = new URL('../dist/', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));

const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + ' KB';

function closure(key, seen = new Set()) {
  const chunk = manifest[key];
  if (!chunk || seen.has(chunk.file)) return seen;
  seen.add(chunk.file);
  for (const css of chunk.css ?? []) seen.add(css);
  for (const imp of chunk.imports ?? []) closure(imp, seen);
  return seen;
}

const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry);
const base = closure(entryKey);
base.add('index.html');
const sum = (files) => [...files].reduce((n, f) => n + gz(f), 0);

const rows = [['first load (shell, sign-in, home, sessions)', sum(base)]];
for (const [key, chunk] of Object.entries(manifest)) {
  if (!chunk.isDynamicEntry) continue;
  const files = closure(key, new Set(base));
  const name = key.replace(/^src\//, '');
  rows.push([`+ ${name}`, sum(files)]);
}

console.log('\nGzip size of what each route loads (budget %s):', kb(BUDGET).trim());
let over = false;
for (const [name, size] of rows) {
  const flag = size > BUDGET ? '  OVER BUDGET' : '';
  if (size > BUDGET) over = true;
  console.log(`  ${kb(size)}  ${name}${flag}`);
}
if (over) {
  console.error('A route loads more than the budget.');
  process.exit(1);
}
