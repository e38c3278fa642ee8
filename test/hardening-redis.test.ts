import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { close, init, redisStore, runRequest } from '../src/index.js';
import { liveRegistry } from '../src/sessions/lifecycle.js';
import { captureOutput, childEnv, freePort, inZone, request, serve } from './helpers.js';
import { findService, REDIS, startRedis, stopRedis, waitFor } from './services.js';

// close(ms) must return within its deadline even when the shared store stops answering:
// a real redis-server, frozen with SIGSTOP after the registry connected.

const FIXTURE = new URL('./fixtures/redis-close.mjs', import.meta.url).pathname;

const redisServer = findService(REDIS);

async function connected(): Promise<void> {
  const store = liveRegistry().current!.options.store;
  await waitFor('the Redis store to connect', () => store.ready());
}

describe('close() with a frozen redis-server', { skip: redisServer.skip }, () => {
  test('close(1000) with Redis frozen returns by its deadline', async () => {
    const port = await freePort();
    const redis = await startRedis(redisServer.command!, port);
    const output = captureOutput();
    try {
      init({
        liveSessions: { projectKey: 'p', store: redisStore({ url: `redis://127.0.0.1:${port}` }) },
      });
      await connected();
      const app = await serve((req, res) => runRequest(req, res, () => res.end('ok')));
      await inZone(() =>
        request(`${app.url}/`, { headers: { 'x-openreplay-sessiontoken': 't1' } }),
      );
      await app.close();
      redis.kill('SIGSTOP');
      // Bounded by the test's timeout; how long it takes is measured in bench/faults.mjs.
      await close(1000);
    } finally {
      output.restore();
      await stopRedis(redis);
    }
  });

  test('a script that awaits close(1000) with Redis frozen exits promptly after it', async () => {
    const port = await freePort();
    const redis = await startRedis(redisServer.command!, port);
    const child = spawn(process.execPath, [FIXTURE], {
      env: childEnv({ REDIS_URL: `redis://127.0.0.1:${port}`, CLOSE_MS: '1000' }),
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      let stdout = '';
      const exited = once(child, 'exit');
      const ready = new Promise<void>((resolve) => {
        child.stdout!.setEncoding('utf8').on('data', (d: string) => {
          stdout += d;
          if (stdout.includes('ready\n')) resolve();
        });
      });
      await ready;
      redis.kill('SIGSTOP');
      child.stdin!.end('go\n');
      // Bounded by the killer above; how long it takes is measured in bench/faults.mjs.
      const [code, signal] = await exited;
      assert.equal(signal, null, 'the script ended by itself');
      assert.equal(code, 0);
      assert.match(stdout, /^\{"closeMs":\d+\}$/m, 'close() returned');
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
      await stopRedis(redis);
    }
  });
});
