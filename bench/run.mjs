// `npm run bench [-- --quick | --smoke] [--only express,micro-stamp] [--out dir] [--profile]`
// Runs every group of `bench/groups/` and writes BENCHMARKS.md and its SVG chart.
// `--quick` and `--smoke` write to a temporary directory (or `--out`), never over BENCHMARKS.md.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chart } from './lib/chart.mjs';
import { loadGroups, missingRequirement } from './lib/groups.mjs';
import { runHttpGroup } from './lib/http.mjs';
import { startLoadGenerator } from './lib/load.mjs';
import { runMicroGroup } from './lib/micro.mjs';
import { document, httpSection, microSection } from './lib/report.mjs';
import { parseArgs } from './lib/settings.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHART = 'bench/benchmarks.svg';

const settings = parseArgs(process.argv.slice(2));
// Only a full run writes over BENCHMARKS.md; shorter runs go to a scratch directory.
const out =
  settings.out ??
  (settings.mode === 'full' ? ROOT : mkdtempSync(path.join(os.tmpdir(), 'replaylink-bench-')));
if (settings.profile) {
  settings.profileDir = path.join(out, 'profiles');
  mkdirSync(settings.profileDir, { recursive: true });
}
const progress = (line) => process.stderr.write(`${line}\n`);

async function runGroup(group, load) {
  const skipped = missingRequirement(group);
  if (skipped) return { skipped };
  if (group.kind === 'http') return runHttpGroup(group, settings, load, progress);
  return runMicroGroup(group, settings, progress);
}

const groups = (await loadGroups()).filter((g) => !settings.only || settings.only.includes(g.name));
const load = startLoadGenerator();
const sections = [];
const bars = [];
let failed = false;
try {
  for (const group of groups) {
    progress(`== ${group.title}`);
    // A group that breaks is reported as such and the others still run; the exit code says so.
    const outcome = await runGroup(group, load).catch((error) => {
      progress(String(error?.stack ?? error));
      return { skipped: `failed: ${error?.message ?? error}`, failed: true };
    });
    if (outcome.failed) failed = true;
    const written =
      group.kind === 'http' ? httpSection(group, outcome) : microSection(group, outcome);
    sections.push(written.markdown);
    if (group.chart !== false) bars.push({ title: group.title, bars: written.bars });
  }
} finally {
  await load.close();
}

mkdirSync(path.join(out, 'bench'), { recursive: true });
writeFileSync(path.join(out, CHART), chart(bars));
const analysisFile = path.join(ROOT, 'bench', 'analysis.md');
const analysis = existsSync(analysisFile) ? readFileSync(analysisFile, 'utf8') : undefined;
const report = document({ settings, sections, chartFile: CHART, analysis });
writeFileSync(path.join(out, 'BENCHMARKS.md'), report);
console.log(report);
progress(`written: ${path.join(out, 'BENCHMARKS.md')} and ${path.join(out, CHART)}`);
if (failed) {
  console.error('a group failed or some requests failed unexpectedly during the benchmark');
  process.exitCode = 1;
}
