// HTTP groups: every configuration's server is started once, then rounds alternate
// (A B C … A B C …) so that machine drift hits all configurations alike.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer } from './server.mjs';

/** Headers of a request that a replay-recorded browser session would send. */
export const HEADERS = {
  'x-openreplay-sessiontoken': 'bench.token.1',
  'br-recording-uuid': '6f1c2a9e-4b1d-4c55',
  'user-agent':
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
};

const SERVERS = new URL('../servers/', import.meta.url);

function factoryOf(server) {
  return { ...server, file: new URL(server.file, SERVERS).href };
}

// Started together (before any measurement), so start-up costs no run time. If one
// fails to start, the others are stopped before the error is thrown.
async function startAll(group, settings) {
  const started = await Promise.allSettled(
    group.configurations.map((config) =>
      startServer(factoryOf(config.server), {
        profileDir: settings.profileDir,
        profileName: `${group.name}-${config.id}`,
      }),
    ),
  );
  const failure = started.find((s) => s.status === 'rejected');
  if (failure) {
    await Promise.all(started.map((s) => s.value?.close?.()));
    throw failure.reason;
  }
  return new Map(group.configurations.map((config, i) => [config.id, started[i].value]));
}

function loadOptions(group, settings, port, phase) {
  const length =
    phase === 'warmup'
      ? { duration: settings.warmup }
      : settings.amount
        ? { amount: settings.amount }
        : { duration: settings.duration };
  return {
    url: `http://127.0.0.1:${port}${group.path ?? '/'}`,
    connections: settings.connections,
    headers: { ...HEADERS, ...group.headers },
    rotate: group.rotate,
    ...length,
  };
}

/** With `--profile`: requests each profiled server answered, to compare profiles per request. */
function noteRequests(dir, group, servers, served) {
  const file = path.join(dir, 'requests.json');
  const counts = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  for (const [id, server] of servers)
    if (served.has(server)) counts[`${group.name}-${id}`] = served.get(server);
  writeFileSync(file, JSON.stringify(counts, null, 2));
}

/** More failed responses than the group expects (its `errorRate`, 0 by default). */
function unexpectedFailures(group, run) {
  const expected = run.total * (group.errorRate ?? 0);
  return run.errors > 0 || run.non2xx > expected * 1.5 + 2;
}

/**
 * Runs one HTTP group. Returns, per configuration id, `{ runs, peakRss }` or
 * `{ skipped }`, and whether any request failed unexpectedly.
 */
export async function runHttpGroup(group, settings, load, progress) {
  const servers = await startAll(group, settings);
  const results = new Map();
  let failed = false;
  try {
    for (const [id, server] of servers)
      results.set(id, server.skipped ? { skipped: server.skipped } : { runs: [] });
    const running = [...servers.values()].filter((server) => !server.skipped);
    // All servers are warmed up together: the JIT needs requests, not a quiet machine.
    const served = new Map();
    if (settings.warmup && running.length > 0) {
      const warm = await load.run(
        running.map((server) => loadOptions(group, settings, server.port, 'warmup')),
      );
      for (const [i, server] of running.entries()) served.set(server, warm[i].total);
    }
    for (let round = 0; round < settings.rounds; round++) {
      for (const [id, server] of servers) {
        if (server.skipped) continue;
        const before = (await server.stats()).cpu;
        const run = await load.run(loadOptions(group, settings, server.port, 'measure'));
        // CPU time per request barely moves when other processes load the machine.
        run.cpu = ((await server.stats()).cpu - before) / Math.max(1, run.total);
        if (unexpectedFailures(group, run)) failed = true;
        results.get(id).runs.push(run);
        served.set(server, (served.get(server) ?? 0) + run.total);
        progress(`round ${round + 1}/${settings.rounds} ${id}: ${Math.round(run.rps)} req/s`);
      }
    }
    for (const [id, server] of servers)
      if (!server.skipped) results.get(id).peakRss = (await server.stats()).peakRss;
    if (settings.profileDir) noteRequests(settings.profileDir, group, servers, served);
  } finally {
    await Promise.all([...servers.values()].map((server) => server.close?.()));
  }
  return { results, failed };
}
