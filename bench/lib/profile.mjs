// `node bench/lib/profile.mjs <file.cpuprofile> [top]`: the functions with the most self
// time in a V8 CPU profile (as written by `node --cpu-prof`), as a Markdown table.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** `[{ name, where, ms, share }]`, most self time first. */
export function selfTimes(profile) {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const { callFrame } = byNode.get(id);
    const where = `${path.basename(callFrame.url || '(native)')}:${callFrame.lineNumber + 1}`;
    const key = `${callFrame.functionName || '(anonymous)'}\t${where}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self]
    .map(([key, us]) => {
      const [name, where] = key.split('\t');
      return { name, where, ms: us / 1000, share: us / total };
    })
    .sort((a, b) => b.ms - a.ms);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top = '25'] = process.argv.slice(2);
  const rows = selfTimes(JSON.parse(readFileSync(file, 'utf8'))).slice(0, Number(top));
  console.log('| function | where | self ms | share |\n|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.where} | ${r.ms.toFixed(0)} | ${(r.share * 100).toFixed(1)} % |`,
    );
}
