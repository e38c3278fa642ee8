// Timings and memory under faults, which the tests check only as orderings and deadlines:
// how long close() and the process exit take against an endpoint that never answers or a
// frozen Redis, the peak RSS of huge console lines, and the memory a decompression bomb
// costs the receiver. Prints one line per figure; run after `npm run build`:
//
//   node --expose-gc bench/faults.mjs
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { gzipSync } from 'node:zlib';

const DIST = new URL('../dist/src/index.js', import.meta.url).href;
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** Runs an ES module script in a child; resolves with its last JSON line and its run time. */
async function script(source, env = {}) {
  const started = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
    env: { PATH: process.env.PATH ?? '', DIST, ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  await once(child, 'close');
  const line = out
    .trim()
    .split('\n')
    .findLast((l) => l.startsWith('{'));
  return { ms: Math.round(performance.now() - started), report: JSON.parse(line ?? '{}') };
}

async function listen(server) {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server.address().port;
}

const hung = http.createServer(() => {});
const endpoint = `http://127.0.0.1:${await listen(hung)}/send`;

const exit = await script(
  `const { init, log, runWithContext } = await import(process.env.DIST);
   init({ apiKey: 'k', endpoint: process.env.ENDPOINT });
   runWithContext({ recordingId: 'r' }, () => { for (let i = 0; i < 25; i++) log('event ' + i); });`,
  { ENDPOINT: endpoint },
);
console.log(`exit of a script with 25 events for a hung endpoint, defaults: ${exit.ms} ms`);

const closing = await script(
  `const { close, init, log, runWithContext } = await import(process.env.DIST);
   init({ apiKey: 'k', endpoint: process.env.ENDPOINT, timeoutMs: 30000 });
   runWithContext({ recordingId: 'r' }, () => log('event'));
   const started = performance.now();
   await close(200);
   console.log(JSON.stringify({ ms: Math.round(performance.now() - started) }));`,
  { ENDPOINT: endpoint },
);
console.log(`close(200) against a hung endpoint returned after ${closing.report.ms} ms`);

const lines = await script(
  `const { init, runWithContext } = await import(process.env.DIST);
   init({ apiKey: 'k', endpoint: process.env.ENDPOINT, shutdownTimeoutMs: 200 });
   const line = 'x'.repeat(1.4 * 1024 * 1024);
   let peak = process.memoryUsage.rss();
   runWithContext({ recordingId: 'r' }, () => {
     for (let i = 0; i < 500; i++) { console.error(i + ' ' + line); peak = Math.max(peak, process.memoryUsage.rss()); }
   });
   console.log(JSON.stringify({ peak }));`,
  { ENDPOINT: endpoint },
);
console.log(`peak RSS of 500 console lines of 1.4 MB, hung endpoint: ${mib(lines.report.peak)}`);
hung.closeAllConnections();
hung.close();

// A gzip bomb: 256 MiB of spaces in one JSON string, refused after 1 MiB of output.
const { startReceiver } = await import(DIST);
const receiver = await startReceiver({ apiKey: 'k', print: false });
const bomb = gzipSync(
  Buffer.concat([
    Buffer.from('{"uuid":"b","payload":"'),
    Buffer.alloc(2 ** 28, 0x20),
    Buffer.from('"}'),
  ]),
  { level: 9 },
);
globalThis.gc?.();
const before = process.memoryUsage().rss;
let peak = before;
for (let i = 0; i < 3; i++) {
  await new Promise((resolve, reject) => {
    const req = http.request(receiver.url, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-encoding': 'gzip' },
    });
    req.on('response', (res) => res.resume().on('end', resolve)).on('error', reject);
    req.end(bomb);
  });
  peak = Math.max(peak, process.memoryUsage().rss);
}
await receiver.close();
console.log(
  `receiver RSS growth over 3 gzip bombs of 256 MiB${globalThis.gc ? '' : ' (no --expose-gc)'}: ${mib(peak - before)}`,
);

// close(1000) with Redis frozen (SIGSTOP), when redis-server is installed.
if (spawnSync('redis-server', ['--version']).status === 0) {
  const probe = net.createServer();
  const port = await listen(probe);
  probe.close();
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const { close, init, redisStore } = await import(DIST);
  const store = redisStore({ url: `redis://127.0.0.1:${port}` });
  init({ liveSessions: { projectKey: 'p', store } });
  for (let i = 0; i < 250 && !store.ready(); i++) await new Promise((r) => setTimeout(r, 20));
  redis.kill('SIGSTOP');
  const started = performance.now();
  await close(1000);
  console.log(
    `close(1000) with Redis frozen returned after ${Math.round(performance.now() - started)} ms`,
  );
  redis.kill('SIGKILL');
}
