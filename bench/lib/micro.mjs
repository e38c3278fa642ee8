// In-process micro-benchmarks. Each measurement runs in a fresh child process (so one
// configuration's global patches never reach another), rounds alternate between them.
import { fork } from 'node:child_process';
import { once } from 'node:events';

/** Calls `op` `iterations` times after a warm-up; returns nanoseconds per call. */
export function nsPerOp(op, iterations) {
  for (let i = 0; i < Math.max(1, iterations / 10); i++) op(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) op(i);
  return Number(process.hrtime.bigint() - start) / iterations;
}

async function measureOnce(groupFile, id, settings) {
  const child = fork(new URL('./micro-child.mjs', import.meta.url), [groupFile, id], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  child.send(settings);
  const [message] = await once(child, 'message');
  await once(child, 'exit');
  if (message.error) throw new Error(`${id}: ${message.error}`);
  return message;
}

/** A group may run fewer rounds in a mode (`rounds: { quick: 1 }`) when each is long. */
export function roundsOf(group, settings) {
  return group.rounds?.[settings.mode] ?? settings.rounds;
}

/** Runs a micro group; returns per configuration id `{ runs: [metrics…] }`. */
export async function runMicroGroup(group, settings, progress) {
  const results = new Map(group.configurations.map((c) => [c.id, { runs: [] }]));
  const rounds = roundsOf(group, settings);
  for (let round = 0; round < rounds; round++) {
    for (const config of group.configurations) {
      const result = results.get(config.id);
      if (result.skipped) continue;
      const { metrics, skipped } = await measureOnce(group.file, config.id, settings);
      if (skipped) result.skipped = skipped;
      else result.runs.push(metrics);
      progress(`round ${round + 1}/${rounds} ${config.id}: ${skipped ?? JSON.stringify(metrics)}`);
    }
  }
  return { results, failed: false };
}
