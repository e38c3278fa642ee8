// `npm run bench [-- --quick | --smoke] [--only express,micro-stamp] [--configs context,register] [--out dir] [--profile]`
// Runs every group of `bench/groups/` and writes BENCHMARKS.md and its SVG chart.
// Only a full run of every group writes the committed report: `--quick` and `--only`
// write to `.bench-tmp/` (gitignored) and `--smoke` to a temporary directory, unless
// `--out` says where.
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
const out = settings.out ?? defaultOut();

/** The committed report is only ever replaced by a complete, full-length run. */
function defaultOut() {
  if (settings.mode === 'smoke') return mkdtempSync(path.join(os.tmpdir(), 'replaylink-bench-'));
  if (settings.mode === 'full' && !settings.only && !settings.configs) return ROOT;
  return path.join(ROOT, '.bench-tmp');
}
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

/**
 * `--configs a,b`: only those configurations of each HTTP group (with its bare and floor,
 * which the ratios need); targets naming a configuration left out are left out too.
 */
function keepConfigurations(group) {
  if (!settings.configs || group.kind !== 'http') return group;
  const kept = new Set([group.bare, group.floor, ...settings.configs]);
  return {
    ...group,
    configurations: group.configurations.filter((config) => kept.has(config.id)),
    targets: (group.targets ?? [])
      .filter((target) => kept.has(target.id))
      .map((target) => ({
        ...target,
        cheaperThan: (target.cheaperThan ?? []).filter((id) => kept.has(id)),
      })),
  };
}

const groups = (await loadGroups())
  .filter((g) => !settings.only || settings.only.includes(g.name))
  .map(keepConfigurations);
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
