// Markdown for BENCHMARKS.md: one table per group, the same shape whether the group ran,
// skipped some configurations or skipped itself (each skip says why).
import os from 'node:os';
import { summarise } from './stats.mjs';

const DASH = '–';
const MB = 1024 * 1024;

const int = (n) => Math.round(n).toLocaleString('en-US');
const fixed = (n, digits) => (n === undefined || Number.isNaN(n) ? DASH : n.toFixed(digits));
const range = (s, f) => `${f(s.median)} (${f(s.min)}${DASH}${f(s.max)})`;

function table(head, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function section(group, body, notes = []) {
  const parts = [`### ${group.title}`];
  if (group.intro) parts.push(group.intro);
  parts.push(body);
  for (const note of notes) parts.push(`> ${note}`);
  return parts.join('\n\n');
}

/** Why a configuration has no numbers; a skipped group says why once, in its note. */
function skipCell(outcome, config) {
  if (outcome?.skipped) return 'skipped (see note)';
  const skipped = outcome?.results?.get(config.id)?.skipped;
  return skipped ? `skipped: ${skipped}` : 'did not run';
}

/** Median req/s, p50 and p99 of one configuration, or undefined when it did not run. */
function httpSummary(result) {
  if (!result?.runs?.length) return undefined;
  const of = (key) => summarise(result.runs.map((r) => r[key]));
  return {
    rps: of('rps'),
    cpu: of('cpu'),
    p50: of('p50'),
    p99: of('p99'),
    peakRss: result.peakRss,
  };
}

function labelOf(group, id) {
  return group.configurations.find((c) => c.id === id)?.label ?? id;
}

function ratioGoal(goal, own, base, what) {
  const ratio = own && base ? own.rps.median / base.rps.median : undefined;
  const name = `≥ ${goal.toFixed(2)} × ${what}`;
  if (ratio === undefined) return `${name} (not run)`;
  if (ratio >= goal) return `${name} ✓`;
  return `${name} ✗ (${(ratio - goal).toFixed(3)})`;
}

/** The target cell: each goal of the configuration with ✓ (met) or ✗ (missed, by how much). */
function targetCell(group, target, summaries, bare) {
  if (!target) return '';
  const own = summaries.get(target.id);
  const goals = [];
  if (target.atLeast !== undefined) goals.push(ratioGoal(target.atLeast, own, bare, 'bare'));
  if (target.ofFloor !== undefined)
    goals.push(ratioGoal(target.ofFloor, own, summaries.get(group.floor), 'floor'));
  for (const peer of target.cheaperThan ?? []) {
    const other = summaries.get(peer);
    const name = labelOf(group, peer).split(' ')[0];
    if (!own || !other) goals.push(`faster than ${name} (not run)`);
    else {
      const ratio = own.rps.median / other.rps.median;
      goals.push(`faster than ${name}: ×${ratio.toFixed(3)} ${ratio > 1 ? '✓' : '✗'}`);
    }
  }
  return goals.join('; ');
}

/** A section for an HTTP group, and its bars for the chart (ratio to bare). */
export function httpSection(group, outcome) {
  const summaries = new Map(
    group.configurations.map((c) => [c.id, httpSummary(outcome?.results?.get(c.id))]),
  );
  const bare = summaries.get(group.bare);
  const floor = group.floor ? summaries.get(group.floor) : undefined;
  const targets = new Map((group.targets ?? []).map((t) => [t.id, t]));
  const bars = [];
  const rows = group.configurations.map((config) => {
    const s = summaries.get(config.id);
    if (!s) {
      const empty = [config.label, skipCell(outcome, config), DASH, DASH, DASH, DASH, DASH, ''];
      if (group.floor) empty.splice(3, 0, DASH);
      return empty;
    }
    const ratio = bare ? s.rps.median / bare.rps.median : undefined;
    if (ratio !== undefined)
      bars.push({ label: config.label, ratio, bare: config.id === group.bare, peer: config.peer });
    return [
      config.label,
      range(s.rps, int),
      fixed(ratio, 3),
      ...(group.floor ? [fixed(floor ? s.rps.median / floor.rps.median : undefined, 3)] : []),
      `${fixed(s.cpu.median, 0)} (${bare ? fixed(s.cpu.median / bare.cpu.median, 2) : DASH})`,
      fixed(bare ? s.p50.median - bare.p50.median : undefined, 1),
      fixed(bare ? s.p99.median - bare.p99.median : undefined, 1),
      s.peakRss ? fixed(s.peakRss / MB, 0) : DASH,
      targetCell(group, targets.get(config.id), summaries, bare),
    ];
  });
  const head = [
    'configuration',
    'req/s median (min–max)',
    'ratio to bare',
    ...(group.floor ? ['ratio to floor'] : []),
    'server CPU µs/request (× bare)',
    'p50 added (ms)',
    'p99 added (ms)',
    'peak RSS (MB)',
    'target',
  ];
  const notes = [
    ...(group.notes ?? []),
    ...(outcome?.skipped ? [`Skipped: ${outcome.skipped}.`] : []),
  ];
  return { markdown: section(group, table(head, rows), notes), bars };
}

/** A section for a micro group: each column's median (min–max), a ratio, a check. */
export function microSection(group, outcome) {
  const medians = new Map();
  for (const config of group.configurations) {
    const runs = outcome?.results?.get(config.id)?.runs ?? [];
    const columns = group.columns.map((col) => summarise(runs.map((r) => r[col.key])));
    medians.set(config.id, columns);
  }
  const ratioKey = group.columns.findIndex((c) => c.key === group.ratio?.key);
  const base = group.ratio ? medians.get(group.ratio.baseline)?.[ratioKey] : undefined;
  const rows = group.configurations.map((config) => {
    const columns = medians.get(config.id);
    if (columns.some((c) => c === undefined))
      return [
        config.label,
        ...group.columns.map((_, i) => (i === 0 ? skipCell(outcome, config) : DASH)),
        ...(group.ratio ? [DASH] : []),
        ...(group.check ? [''] : []),
      ];
    const cells = columns.map((s, i) => {
      const digits = group.columns[i].digits ?? 0;
      return range(s, (n) => (digits === 0 ? int(n) : n.toFixed(digits)));
    });
    const ratio = base ? fixed(columns[ratioKey].median / base.median, 3) : DASH;
    const median = Object.fromEntries(group.columns.map((c, i) => [c.key, columns[i].median]));
    return [
      config.label,
      ...cells,
      ...(group.ratio ? [ratio] : []),
      ...(group.check ? [group.check(config, median) ?? ''] : []),
    ];
  });
  const head = [
    group.subject ?? 'configuration',
    ...group.columns.map((c) => `${c.label} median (min–max)`),
    ...(group.ratio ? [group.ratio.label] : []),
    ...(group.check ? ['check'] : []),
  ];
  const notes = [
    ...(group.notes ?? []),
    ...(outcome?.skipped ? [`Skipped: ${outcome.skipped}.`] : []),
  ];
  return { markdown: section(group, table(head, rows), notes), bars: [] };
}

/**
 * The whole document: header (command, Node, CPUs, date), chart, sections, and the
 * hand-written profile analysis of missed targets (`bench/analysis.md`, dated inside).
 */
export function document({ settings, sections, chartFile, analysis }) {
  const cpus = os.cpus();
  const length = settings.amount
    ? `${settings.amount} requests`
    : `${settings.duration} s (after a ${settings.warmup} s warm-up of all the group’s servers at once)`;
  const fewer =
    settings.mode === 'quick' ? ' (the search, capture and burst groups run 1 round)' : '';
  return `# Benchmarks

Command: \`${settings.command}\` (mode: ${settings.mode}) — ${settings.rounds} alternating rounds of ${length} per configuration${fewer},
${settings.connections} connections; each server, each event sink and the load generator (autocannon) run in their own process on 127.0.0.1.
Machine: ${cpus.length} × ${cpus[0]?.model?.trim() ?? 'unknown CPU'}, Node ${process.version}, ${os.platform()} ${os.release()}.
Date: ${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC.

Ratios compare medians from the same run. Server CPU is the user + system time the server
process used during a measurement divided by the requests it answered: unlike requests/second,
it barely moves when other processes share the machine. Added latency is the configuration's
median p50/p99 minus the bare app's. Peak RSS is sampled by the server process every 50 ms.
Targets: the floor is a bare \`AsyncLocalStorage.run(store, next)\` middleware on the same
framework; context only ≥ 0.97 × the floor, context + stamping ≥ 0.95 × the floor; the full
configuration ≥ 0.90 × bare; each replaylink configuration faster than the peer doing the same job.

![requests/second as a ratio to the bare app](${chartFile})

${sections.join('\n\n')}
${analysis ? `\n${analysis.trim()}\n` : ''}`;
}
