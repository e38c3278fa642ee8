// `node bench/combine.mjs <dir> [<dir> …]`: puts the reports of full runs made on several
// Node.js versions (each `npm run bench -- --out <dir>` with that Node first on PATH) into
// one BENCHMARKS.md, one section per version, each with its chart. The first directory's
// chart becomes bench/benchmarks.svg; the others keep their version in the file name.
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: node bench/combine.mjs <report dir> [<report dir> …]');
  process.exit(2);
}

const ANALYSIS = path.join(ROOT, 'bench', 'analysis.md');
const analysis = existsSync(ANALYSIS) ? readFileSync(ANALYSIS, 'utf8').trim() : '';

/**
 * The body of one run's report: everything before its copy of the analysis. The copy may
 * be older than the analysis (written before a new section was added on top), so the
 * cut is the first of the analysis's own `##` headings found in the report.
 */
function runBody(text) {
  let cut = -1;
  for (const [heading] of analysis.matchAll(/^## .+$/gm)) {
    const at = text.indexOf(`\n${heading}\n`);
    if (at !== -1 && (cut === -1 || at < cut)) cut = at;
  }
  return (cut === -1 ? text : text.slice(0, cut)).trim();
}

const sections = [];
dirs.forEach((dir, index) => {
  const text = readFileSync(path.join(dir, 'BENCHMARKS.md'), 'utf8');
  const version = /Node (v\d+\.\d+\.\d+)/.exec(text)?.[1] ?? `run ${index + 1}`;
  const chart =
    index === 0 ? 'bench/benchmarks.svg' : `bench/benchmarks-${version.split('.')[0]}.svg`;
  copyFileSync(path.join(dir, 'bench', 'benchmarks.svg'), path.join(ROOT, chart));
  const body = runBody(text)
    .replace(/^# Benchmarks\n+/, '')
    .replace(/\(bench\/benchmarks\.svg\)/g, `(${chart})`)
    .replace(/^(#{1,5}) /gm, '#$1 ');
  sections.push(`## Node ${version}\n\n${body}`);
});

const head = `# Benchmarks

One full run per Node.js version, on the same machine, one after the other:
\`npm run bench -- --out <dir>\` with that version's \`node\` first on \`PATH\`, then
\`node bench/combine.mjs <dir> …\` (see bench/README.md). Ratios compare medians of the same
run; compare versions by their ratios, not by absolute requests/second.
`;
const report = [head, ...sections, analysis].filter(Boolean).join('\n\n');
writeFileSync(path.join(ROOT, 'BENCHMARKS.md'), `${report}\n`);
console.log(`written: BENCHMARKS.md (${dirs.length} runs)`);
