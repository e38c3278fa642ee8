// Access-log formatting, lines per second: replaylink's compiled `$context` template
// against morgan's compiled `combined` format, on the same captured requests.
import { once } from 'node:events';
import http from 'node:http';
import morgan from 'morgan';
import { createAccessLog } from 'replaylink';

// The fields of morgan's `combined`, as `$context` variables (caller = the referer).
const TEMPLATE =
  '$context.identity.sourceIp - $context.identity.user [$context.requestTime] "$context.httpMethod $context.path" $context.status $context.responseLength "$context.identity.caller" "$context.identity.userAgent"';

/** Serves `count` real requests and keeps each finished req/res pair. */
async function captureRequests(count) {
  const pairs = [];
  const server = http.createServer((req, res) => {
    res.setHeader('content-length', 5);
    res.on('finish', () => pairs.push([req, res]));
    res.end('hello');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const { port } = server.address();
  await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise((resolve, reject) => {
          http
            .get(
              {
                port,
                host: '127.0.0.1',
                path: `/orders/${i}?page=${i % 7}`,
                agent,
                headers: {
                  'user-agent': `Mozilla/5.0 (bench ${i}) "quoted"`,
                  referer: `https://example.com/from/${i}`,
                },
              },
              (res) => res.resume().on('end', resolve),
            )
            .on('error', reject);
        }),
    ),
  );
  agent.destroy();
  server.close();
  return pairs;
}

function recordOf(req, res, i) {
  const path = req.url.split('?')[0];
  return {
    eventType: 'REQUEST',
    context: { requestId: `req-${i}`, method: req.method, path, startedAt: Date.now() },
    req,
    sourceIp: req.socket.remoteAddress,
    requestId: `req-${i}`,
    routeKey: () => `${req.method} ${path}`,
    status: res.statusCode,
    error: undefined,
    integrationLatency: undefined,
    responseLatency: undefined,
    responseLength: 5,
    connectionId: undefined,
    connectedAt: undefined,
    messageId: undefined,
  };
}

function linesPerSecond(ms, run) {
  let lines = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) lines += run();
  return (lines / ms) * 1000;
}

/** Returns the Markdown section for BENCHMARKS.md. */
export async function formatBench({ rounds, ms }) {
  const pairs = await captureRequests(256);
  let sink = 0;
  const combined = morgan.compile(morgan.combined);
  const log = createAccessLog({
    format: TEMPLATE,
    stream: (line) => {
      sink += line.length;
    },
    caller: (req) => req.headers.referer,
  });
  const records = pairs.map(([req, res], i) => recordOf(req, res, i));
  const runs = {
    morgan: () => {
      for (const [req, res] of pairs) sink += combined(morgan, req, res).length;
      return pairs.length;
    },
    replaylink: () => {
      for (const record of records) log.write(record);
      return records.length;
    },
  };
  const results = { morgan: [], replaylink: [] };
  for (const run of Object.values(runs)) linesPerSecond(Math.min(ms, 200), run); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(runs)) results[name].push(linesPerSecond(ms, run));
  }
  if (sink === 0) throw new Error('nothing was formatted');
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const m = median(results.morgan);
  const r = median(results.replaylink);
  return `### Access-log formatting, lines per second (${pairs.length} captured requests, ${rounds} rounds of ${ms} ms)

| formatter | lines/s median | ratio to morgan |
|---|---|---|
| morgan \`compile(combined)\` | ${Math.round(m)} | 1.000 |
| replaylink \`createAccessLog\` with the same fields (line written to a function) | ${Math.round(r)} | ${(r / m).toFixed(3)} |`;
}
