// Bytes allocated per check-auth request, by package, function and call stack, from a
// `CEILING_HEAP_PROFILE=1 npm run bench:ceiling` run (allocations.heapprofile and runs.json).
// Usage: node bench/support/allocation-summary.mjs [DIR (profiles)] [TOP (40)]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { frameName, packageOf } from './profile-frames.mjs';

const [dir = 'profiles', top = '40'] = process.argv.slice(2);
const { allocationRequests: requests } = JSON.parse(readFileSync(join(dir, 'allocations.json'), 'utf8'));
const profile = JSON.parse(readFileSync(join(dir, 'allocations.heapprofile'), 'utf8'));

const byPackage = new Map();
const byFunction = new Map();
const byStack = new Map();
const add = (map, key, bytes) => map.set(key, (map.get(key) ?? 0) + bytes);
let total = 0;
const walk = (node, stack) => {
  const name = frameName(node.callFrame);
  const here = [name, ...stack];
  if (node.selfSize > 0) {
    total += node.selfSize;
    add(byFunction, name, node.selfSize);
    add(byPackage, packageOf(node.callFrame), node.selfSize);
    add(byStack, here.slice(0, 5).join('\n          < '), node.selfSize);
  }
  for (const child of node.children) walk(child, here);
};
walk(profile.head, []);

console.log(`${(total / requests).toFixed(0)} bytes allocated per request (${requests} requests sampled)`);
const show = (title, map, limit) => {
  console.log(`\n${title}`);
  for (const [key, bytes] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    console.log(
      `${(bytes / requests).toFixed(0).padStart(7)} B ${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${key}`,
    );
  }
};
show('by package', byPackage, 25);
show('by function', byFunction, Number(top));
show('by call stack (innermost first)', byStack, Number(top));
