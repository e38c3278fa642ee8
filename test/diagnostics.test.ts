import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { test } from 'node:test';
import express from 'express';
import { expressMiddleware } from '../adapters/express.js';
import {
  captureException,
  flush,
  init,
  ReplayLinkError,
  redisStore,
  runWithContext,
} from '../src/index.js';
import { freePort, quietly, request, serve } from './helpers.js';

/** Resolves once `predicate` holds, checking after each turn of the event loop. */
async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setImmediate(resolve));
}

const count = (text: string, pattern: RegExp) => text.match(new RegExp(pattern, 'g'))?.length ?? 0;

for (const [name, env] of [
  ['REPLAYLINK_DEBUG=1', { REPLAYLINK_DEBUG: '1' }],
  ['DEBUG=express:*,replaylink', { DEBUG: 'express:*,replaylink' }],
] as const) {
  test(`${name} turns debug output on without code`, async () => {
    Object.assign(process.env, env);
    try {
      await quietly((output) => {
        init({ origin: 'a' });
        init({ origin: 'b' });
        assert.match(output.stderr(), /replaylink: init\(\) replaced the earlier configuration/);
      });
    } finally {
      for (const key of Object.keys(env)) delete process.env[key];
    }
  });
}

test('without debug, nothing is said for a plain re-init', async () => {
  await quietly((output) => {
    init({ origin: 'a' });
    init({ origin: 'b' });
    assert.equal(output.stderr(), '');
  });
});

test('an unreachable send API is reported once, with the fix, without debug', async () => {
  await quietly(async (output) => {
    init({ apiKey: 'k', endpoint: `http://127.0.0.1:${await freePort()}/send` });
    runWithContext({ recordingId: 'rec-1' }, () => {
      captureException(new Error('one'));
      captureException(new Error('two'));
    });
    await flush();
    runWithContext({ recordingId: 'rec-1' }, () => captureException(new Error('three')));
    await flush();
    const stderr = output.stderr();
    assert.equal(count(stderr, /cannot reach the send API/), 1, stderr);
    assert.match(stderr, /check the endpoint option \/ REPLAYLINK_ENDPOINT/);
    assert.equal(output.stdout(), '');
  });
});

test('events dropped for a full queue are reported once', async () => {
  await quietly(async (output) => {
    init({ apiKey: 'k', endpoint: `http://127.0.0.1:${await freePort()}/send`, maxQueue: 1 });
    const queued = runWithContext({ recordingId: 'rec-1' }, () =>
      [1, 2, 3, 4].map((n) => captureException(new Error(`e${n}`))),
    );
    assert.deepEqual(queued, [true, false, false, false]);
    await flush();
    assert.equal(count(output.stderr(), /raise maxQueue/), 1, output.stderr());
  });
});

test('an api key for a remote http:// endpoint is refused unless allowed', async () => {
  await quietly((output) => {
    assert.throws(
      () => init({ apiKey: 'k', endpoint: 'http://collector.example.com/send' }),
      (error: unknown) =>
        error instanceof ReplayLinkError &&
        /"endpoint".*https:\/\/.*allowInsecureEndpoint: true/.test(error.message),
    );
    // Loopback and https need nothing; no key, no risk.
    init({ apiKey: 'k', endpoint: 'http://localhost:4318/send' });
    init({ apiKey: 'k', endpoint: 'https://collector.example.com/send' });
    init({ endpoint: 'http://collector.example.com/send' });
    assert.equal(output.stderr(), '');
    init({
      apiKey: 'k',
      endpoint: 'http://collector.example.com/send',
      allowInsecureEndpoint: true,
    });
    init({
      apiKey: 'k',
      endpoint: 'http://collector.example.com/send',
      allowInsecureEndpoint: true,
    });
    assert.equal(count(output.stderr(), /clear text to collector\.example\.com/), 1);
  });
});

test('an unreachable Redis store is reported once, without debug', async () => {
  await quietly(async (output) => {
    const port = await freePort();
    const app = express();
    app.use(
      expressMiddleware({
        liveSessions: {
          projectKey: 'proj',
          store: redisStore({ url: `redis://127.0.0.1:${port}` }),
        },
      }),
    );
    app.get('/', (_req, res) => {
      res.end('ok');
    });
    const server = await serve(app as unknown as RequestListener);
    try {
      await request(server.url, { headers: { 'x-openreplay-sessiontoken': 'tok.1' } });
      await until(() => output.stderr().includes('live sessions store failed'));
      assert.equal(count(output.stderr(), /live sessions store failed/), 1);
      assert.match(output.stderr(), /check the Redis address given to redisStore\(\)/);
    } finally {
      await server.close();
    }
  });
});
