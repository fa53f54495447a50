// Where the CPU of each request goes, from a `CEILING_PROFILE=1 npm run bench:ceiling` run: the
// samples of the project's .cpuprofile that fall inside its measured runs (runs.json), in µs per request.
// Usage: node bench/support/cpu-profile-summary.mjs [DIR (profiles)] [CONNECTIONS (32)] [TOP (40)]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { frameName, packageOf } from './profile-frames.mjs';

const [dir = 'profiles', connections = '32', top = '40'] = process.argv.slice(2);
const runs = JSON.parse(readFileSync(join(dir, 'runs.json'), 'utf8')).filter(
  (run) => String(run.connections) === connections,
);
const file = readdirSync(dir)
  .filter((name) => name.endsWith('.cpuprofile'))
  .sort()
  .at(-1);
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
const requests = runs.reduce((sum, run) => sum + run.requests, 0);

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const self = new Map();
const selfByPackage = new Map();
const inclusive = new Map();
const inclusiveByPackage = new Map();
const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
let time = profile.startTime;
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  time += profile.timeDeltas[i];
  // A sample covers the time until the next one.
  const us = profile.timeDeltas[i + 1] ?? 0;
  if (!runs.some((run) => time >= run.startUs && time < run.endUs)) continue;
  total += us;
  const leaf = nodes.get(profile.samples[i]);
  add(self, frameName(leaf.callFrame), us);
  add(selfByPackage, packageOf(leaf.callFrame), us);
  const seen = new Set();
  const seenPackages = new Set();
  for (let id = leaf.id; id !== undefined; id = parent.get(id)) {
    const node = nodes.get(id);
    const name = frameName(node.callFrame);
    if (!seen.has(name)) (add(inclusive, name, us), seen.add(name));
    const pkg = packageOf(node.callFrame);
    if (!seenPackages.has(pkg)) (add(inclusiveByPackage, pkg, us), seenPackages.add(pkg));
  }
}

const perRequest = (us) => (us / requests).toFixed(1).padStart(7);
const show = (title, map, limit) => {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    console.log(`${perRequest(us)} µs  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
  }
};
console.log(
  `${file}: ${runs.length} runs at ${connections} connections, ${requests} requests, ` +
    `${(total / 1e6).toFixed(2)} s sampled on the main thread = ${(total / requests).toFixed(0)} µs per request`,
);
show('self time by package', selfByPackage, 30);
show('inclusive time by package (on the stack anywhere)', inclusiveByPackage, 30);
show('self time by function', self, Number(top));
show('inclusive time by function', inclusive, Number(top));
