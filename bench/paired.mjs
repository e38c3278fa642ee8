// `node bench/paired.mjs <run log> [baseline id]`: reads the output of a saved
// `npm run bench` (`npm run bench -- --out dir | tee run.log`) and prints, for each HTTP
// group, each configuration's ratio to the baseline (default `floor`, else `bare`) computed
// round by round: the median over rounds of (configuration ÷ baseline in the same round).
// Rounds alternate the configurations, so a slow stretch of the machine that spans one
// round weighs on both sides of its ratio; the report's ratio of medians does not pair them.
import { readFileSync } from 'node:fs';
import { summarise } from './lib/stats.mjs';

const [file, wanted] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/paired.mjs <run log> [baseline id]');
  process.exit(2);
}

// Group title → configuration id → requests/second by round number.
const groups = new Map();
let current;
for (const line of readFileSync(file, 'utf8').split('\n')) {
  const title = /^== (.+)$/.exec(line);
  if (title) {
    current = new Map();
    groups.set(title[1], current);
    continue;
  }
  const round = /^round (\d+)\/\d+ (\S+): (\d+) req\/s$/.exec(line);
  if (round && current) {
    const [, number, id, rps] = round;
    if (!current.has(id)) current.set(id, new Map());
    current.get(id).set(Number(number), Number(rps));
  }
}

for (const [title, configurations] of groups) {
  const baselineId = wanted ?? (configurations.has('floor') ? 'floor' : 'bare');
  const baseline = configurations.get(baselineId);
  if (baseline === undefined) continue;
  console.log(`\n${title}\n  (ratio to ${baselineId}: median of per-round ratios, min–max)`);
  for (const [id, rounds] of configurations) {
    const ratios = [...rounds]
      .filter(([number]) => baseline.has(number))
      .map(([number, rps]) => rps / baseline.get(number));
    const summary = summarise(ratios);
    if (summary === undefined) continue;
    const [mid, low, high] = [summary.median, summary.min, summary.max].map((x) => x.toFixed(3));
    console.log(`  ${id.padEnd(20)} ${mid} (${low}–${high})`);
  }
}
