// Reads V8 CPU profiles written by `npm run bench -- --only <group> --profile`:
//   node bench/lib/profile.mjs <file.cpuprofile> [top]          self time per function
//   node bench/lib/profile.mjs <profiles dir> <base> <config> [top]
//     self time per request that <config> adds over <base> (e.g. express-bare
//     express-context), using the request counts in <dir>/requests.json.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Self time (µs) per function, idle excluded. */
export function selfTimes(profile) {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const { callFrame } = byNode.get(id);
    if (callFrame.functionName === '(idle)') return;
    const where = `${callFrame.url.split('/').slice(-2).join('/') || '(native)'}:${callFrame.lineNumber + 1}`;
    const key = `${callFrame.functionName || '(anonymous)'} ${where}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return self;
}

const read = (file) => selfTimes(JSON.parse(readFileSync(file, 'utf8')));

function single(file, top) {
  const self = read(file);
  const busy = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(
    `busy ${(busy / 1000).toFixed(0)} ms\n\n| function | self ms | share |\n|---|---|---|`,
  );
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`| ${name} | ${(us / 1000).toFixed(0)} | ${((us / busy) * 100).toFixed(1)} % |`);
}

function compare(dir, base, config, top) {
  const counts = JSON.parse(readFileSync(path.join(dir, 'requests.json'), 'utf8'));
  const perRequest = (name) => {
    const self = read(path.join(dir, `${name}.cpuprofile`));
    return new Map([...self].map(([k, us]) => [k, us / counts[name]]));
  };
  const [a, b] = [perRequest(base), perRequest(config)];
  const sum = (m) => [...m.values()].reduce((x, y) => x + y, 0);
  const added = [...new Set([...a.keys(), ...b.keys()])]
    .map((k) => [k, (b.get(k) ?? 0) - (a.get(k) ?? 0)])
    .sort((x, y) => y[1] - x[1]);
  console.log(
    `${base}: ${sum(a).toFixed(1)} µs/request busy; ${config}: ${sum(b).toFixed(1)} µs/request (+${(sum(b) - sum(a)).toFixed(1)})\n`,
  );
  console.log('| function | µs/request added |\n|---|---|');
  for (const [name, us] of added.slice(0, top)) console.log(`| ${name} | ${us.toFixed(2)} |`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [first, ...rest] = process.argv.slice(2);
  if (statSync(first).isDirectory()) compare(first, rest[0], rest[1], Number(rest[2] ?? 20));
  else single(first, Number(rest[0] ?? 25));
}
