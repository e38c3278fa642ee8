// `npm run bench [-- --quick]`: servers in child processes, autocannon in this one,
// configurations alternated round by round so machine drift hits all alike.
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';
import { formatBench } from './format.mjs';
import { pinoSection } from './pino.mjs';

const quick = process.argv.includes('--quick');
const smoke = process.argv.includes('--smoke');
const rounds = smoke ? 1 : quick ? 3 : 5;
const duration = smoke ? 1 : quick ? 3 : 8;
const connections = 50;

const groups = [
  {
    title: 'Express 5, hello world, one console.log per request (to a discarded stream)',
    bare: 'express-bare',
    configs: [
      ['express-bare', 'bare Express 5'],
      ['express-replaylink', 'expressMiddleware() + one stamped console.log'],
      [
        'express-access-log',
        "expressMiddleware({ accessLog: { format: 'clf' } }) + one stamped console.log",
      ],
    ],
  },
  ...[
    ['koa', 'Koa 3', 'koaMiddleware()'],
    ['fastify', 'Fastify 5', 'app.register(fastifyPlugin)'],
    ['nest', 'NestJS 11 (Express platform)', 'ReplayLinkModule.forRoot()'],
  ].map(([key, framework, adapter]) => ({
    title: `${framework}, hello world, one console.log per request (to a discarded stream)`,
    bare: `${key}-bare`,
    configs: [
      [`${key}-bare`, `bare ${framework}`],
      [`${key}-replaylink`, `${adapter} + one stamped console.log`],
    ],
  })),
  {
    title:
      'Live sessions registry on vs context only (Express 5, 1,000 distinct session tokens in rotation)',
    bare: 'express-replaylink',
    rotate: 1000,
    configs: [
      ['express-replaylink', 'expressMiddleware(), context only'],
      ['express-replaylink-live', 'expressMiddleware({ liveSessions })'],
    ],
  },
  {
    title: 'Express 5, each request calls a loopback service with fetch',
    bare: 'express-fetch-bare',
    configs: [
      ['express-fetch-bare', 'bare Express 5 + fetch'],
      ['express-fetch-replaylink', 'expressMiddleware() + fetch'],
      [
        'express-fetch-propagate',
        'expressMiddleware({ propagate }) + fetch to an allowlisted origin',
      ],
    ],
  },
];

function startServer(name) {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./servers.mjs', import.meta.url), [name], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', (m) => resolve({ child, port: m.port }));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}

// With `rotate`, each request carries one of that many session tokens in turn.
function rotating(rotate) {
  if (!rotate) return {};
  let n = 0;
  return {
    requests: [
      {
        setupRequest(req) {
          req.headers['x-openreplay-sessiontoken'] = `bench.session.${n++ % rotate}`;
          return req;
        },
      },
    ],
  };
}

async function measure(name, rotate) {
  const { child, port } = await startServer(name);
  try {
    const headers = {
      'x-openreplay-sessiontoken': 'bench.token.1',
      'br-recording-uuid': '6f1c2a9e-4b1d-4c55',
      'user-agent':
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    };
    const url = `http://127.0.0.1:${port}/`;
    await autocannon({ url, connections, duration: 1, headers, ...rotating(rotate) }); // warm-up
    const r = await autocannon({ url, connections, duration, headers, ...rotating(rotate) });
    return {
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors + r.non2xx,
    };
  } finally {
    child.kill();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sections = [];
let failed = false;

for (const group of groups) {
  const results = new Map(group.configs.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name] of group.configs) {
      const result = await measure(name, group.rotate);
      if (result.errors > 0) failed = true;
      results.get(name).push(result);
      process.stderr.write(
        `round ${round + 1}/${rounds} ${name}: ${Math.round(result.rps)} req/s\n`,
      );
    }
  }
  const bareRps = median(results.get(group.bare).map((r) => r.rps));
  const bareP50 = median(results.get(group.bare).map((r) => r.p50));
  const bareP99 = median(results.get(group.bare).map((r) => r.p99));
  const rows = group.configs.map(([name, label]) => {
    const rs = results.get(name);
    const rps = rs.map((r) => r.rps);
    return `| ${label} | ${Math.round(median(rps))} (${Math.round(Math.min(...rps))}–${Math.round(Math.max(...rps))}) | ${(median(rps) / bareRps).toFixed(3)} | ${(median(rs.map((r) => r.p50)) - bareP50).toFixed(1)} | ${(median(rs.map((r) => r.p99)) - bareP99).toFixed(1)} |`;
  });
  sections.push(
    `### ${group.title}\n\n| configuration | req/s median (min–max) | ratio to bare | p50 added (ms) | p99 added (ms) |\n|---|---|---|---|---|\n${rows.join('\n')}`,
  );
}

sections.push(await formatBench({ rounds, ms: smoke ? 100 : duration * 250 }));
// Search latency: the reference example query over 10,000 live sessions, one request at
// a time, measured at the client (so HTTP on loopback is included).
async function measureSearch() {
  const { child, port } = await startServer('live-search');
  try {
    const body = JSON.stringify({
      filters: [
        { value: ['trial', 'free'], type: 'METADATA', source: 'plan', operator: 'is' },
        { value: ['openreplay'], type: 'USERID', operator: 'contains' },
      ],
      sort: 'timestamp',
      order: 'DESC',
      limit: 10,
      page: 1,
    });
    const options = {
      url: `http://127.0.0.1:${port}/api/v1/bench/assist/sessions`,
      method: 'POST',
      headers: { authorization: 'bench-key', 'content-type': 'application/json' },
      body,
      connections: 1,
    };
    await autocannon({ ...options, amount: 50 }); // warm-up
    const r = await autocannon({ ...options, amount: smoke ? 100 : 2000 });
    if (r.errors + r.non2xx > 0) failed = true;
    return r;
  } finally {
    child.kill();
  }
}

const search = await measureSearch();
sections.push(`### Live sessions search over 10,000 sessions (in memory)

The reference example query (metadata \`plan\` is trial|free, \`userID\` contains openreplay,
newest first, 10 per page), one request at a time, latency at the client over loopback.

| requests | p50 (ms) | p99 (ms) | max (ms) |
|---|---|---|---|
| ${search.requests.total} | ${search.latency.p50} | ${search.latency.p99} | ${search.latency.max} |`);

sections.push(pinoSection({ rounds: smoke ? 1 : rounds * 2, records: smoke ? 20_000 : 200_000 }));

const cpus = os.cpus();
const report = `# Benchmarks

Command: \`npm run bench${quick ? ' -- --quick' : ''}\` — ${rounds} alternating rounds of ${duration} s per configuration,
${connections} connections, autocannon and each server in separate processes on 127.0.0.1.
Machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${os.platform()} ${os.release()}.
Date: ${new Date().toISOString().slice(0, 10)}.

${sections.join('\n\n')}
`;
if (smoke) {
  console.log(report);
} else {
  writeFileSync(new URL('../BENCHMARKS.md', import.meta.url), report);
  console.log(report);
}
if (failed) {
  console.error('some requests failed during the benchmark');
  process.exitCode = 1;
}
