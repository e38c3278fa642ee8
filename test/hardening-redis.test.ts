import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { close, init, redisStore, runRequest } from '../src/index.js';
import { liveRegistry } from '../src/sessions/lifecycle.js';
import { captureOutput, freePort, inZone, request, serve } from './helpers.js';

// close(ms) must return within its deadline even when the shared store stops answering:
// a real redis-server, frozen with SIGSTOP after the registry connected.

async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let out = '';
  for await (const chunk of redis.stdout!) {
    out += chunk;
    if (out.includes('Ready to accept connections')) break;
  }
  return redis;
}

async function connected(): Promise<void> {
  const store = liveRegistry().current!.options.store;
  // The store reports readiness only by polling; bounded by the test's own timeout.
  while (!store.ready()) await new Promise((resolve) => setTimeout(resolve, 10));
}

test('close(1000) with Redis frozen returns by its deadline', async () => {
  const port = await freePort();
  const redis = await startRedis(port);
  const output = captureOutput();
  try {
    init({
      liveSessions: { projectKey: 'p', store: redisStore({ url: `redis://127.0.0.1:${port}` }) },
    });
    await connected();
    const app = await serve((req, res) => runRequest(req, res, () => res.end('ok')));
    await inZone(() => request(`${app.url}/`, { headers: { 'x-openreplay-sessiontoken': 't1' } }));
    await app.close();
    redis.kill('SIGSTOP');
    const started = Date.now();
    await close(1000);
    const ms = Date.now() - started;
    process.stdout.write(`# close(1000) with Redis frozen returned after ${ms} ms\n`);
    // Not a speed check: it tells the 1 s deadline from the store's own waits.
    assert.ok(ms < 1500, `close took ${ms} ms`);
  } finally {
    output.restore();
    redis.kill('SIGCONT');
    redis.kill('SIGKILL');
    await once(redis, 'exit');
  }
});
