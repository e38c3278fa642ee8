import assert from 'node:assert/strict';
import { once } from 'node:events';
import http, { type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import express from 'express';
import { expressMiddleware } from '../adapters/express.js';
import { currentTransport } from '../src/forward/forward.js';
import { retryAfterMs } from '../src/forward/transport.js';
import {
  flush,
  log,
  type ReplayLinkOptions,
  runWithContext,
  type Stats,
  stats,
} from '../src/index.js';
import { delay, freePort, request, serve, withOutput } from './helpers.js';

const KEY = 'sk_live_X';
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
after(() => {
  process.removeListener('unhandledRejection', onUnhandled);
  assert.deepEqual(unhandled, [], 'no unhandled rejection during the fault tests');
});

/** A fake send API that records arrival times and answers as `respond` says. */
async function faultServer(respond: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const arrivals: number[] = [];
  const server = http.createServer((req, res) => {
    arrivals.push(Date.now());
    req.resume();
    respond(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/fullstack/v1/send`,
    arrivals,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

async function refusedUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}/send`;
}

function diff(before: Stats, after: Stats) {
  return {
    queued: after.queued - before.queued,
    sent: after.sent - before.sent,
    failed: after.failed - before.failed,
    network: after.failures.network - before.failures.network,
    timeout: after.failures.timeout - before.failures.timeout,
    server: after.failures.server - before.failures.server,
    rejected: after.failures.rejected - before.failures.rejected,
    rateLimited: after.dropped.rateLimited - before.dropped.rateLimited,
    queueFull: after.dropped.queueFull - before.dropped.queueFull,
  };
}

const zero = {
  queued: 0,
  sent: 0,
  failed: 0,
  network: 0,
  timeout: 0,
  server: 0,
  rejected: 0,
  rateLimited: 0,
  queueFull: 0,
};

/** Sends `count` log events, while the app keeps serving; returns counters and output. */
async function scenario(endpoint: string, count: number, extra: ReplayLinkOptions = {}) {
  const app = express();
  app.use(expressMiddleware());
  app.get('/', (_req, res) => res.send('alive'));
  let result: { counts: typeof zero; output: string; appStatuses: number[] } | undefined;
  await withOutput(
    { apiKey: KEY, endpoint, timeoutMs: 300, debug: true, ...extra },
    async (output) => {
      const server = await serve(app as unknown as RequestListener);
      try {
        const before = stats();
        runWithContext({ recordingId: 'rec-fault' }, () => {
          for (let i = 0; i < count; i++) log(`event ${i}`);
        });
        // The application keeps answering while the transport struggles.
        const appStatuses = (
          await Promise.all(Array.from({ length: 20 }, () => request(server.url)))
        ).map((r) => r.status);
        await flush(3000);
        result = {
          counts: diff(before, stats()),
          output: output.stdout() + output.stderr(),
          appStatuses,
        };
      } finally {
        await server.close();
      }
    },
  );
  assert.ok(result);
  assert.deepEqual(result.appStatuses, Array(20).fill(200));
  assert.ok(!result.output.includes(KEY), 'the api key never reaches the output');
  // The transport works outside any request context: its diagnostics carry no request id.
  for (const line of result.output.split('\n').filter((l) => l.includes('replaylink:'))) {
    assert.match(line, /^replaylink: /);
  }
  return result;
}

test('connection refused: events fail as network errors, reported once', async () => {
  const { counts, output } = await scenario(await refusedUrl(), 3);
  assert.deepEqual(counts, { ...zero, queued: 3, failed: 3, network: 3 });
  assert.equal(output.match(/unreachable \(network\)/g)?.length, 1);
});

test('a hanging server and a slow one time out; the queue stays within maxQueue', async () => {
  const hanging = await faultServer(() => {});
  try {
    const { counts } = await scenario(hanging.url, 8, { maxQueue: 5, concurrency: 2 });
    assert.deepEqual(counts, { ...zero, queued: 5, queueFull: 3, failed: 5, timeout: 5 });
  } finally {
    await hanging.close();
  }
  const slow = await faultServer((_req, res) =>
    setTimeout(() => res.end('{"success":"true"}'), 600).unref(),
  );
  try {
    const { counts } = await scenario(slow.url, 2);
    assert.deepEqual(counts, { ...zero, queued: 2, failed: 2, timeout: 2 });
  } finally {
    await slow.close();
  }
});

test('a socket reset mid-response is a network failure', async () => {
  const resetting = await faultServer((_req, res) => {
    res.writeHead(200, { 'content-length': '1000' });
    res.write('{"succ');
    setImmediate(() => res.socket?.destroy());
  });
  try {
    // A request timeout far longer than the test: only the reset can end these requests.
    const { counts } = await scenario(resetting.url, 2, { timeoutMs: 120_000 });
    assert.deepEqual(counts, { ...zero, queued: 2, failed: 2, network: 2 });
  } finally {
    await resetting.close();
  }
});

test('500 is dropped without retry; 401 ErrUserNotLoggedIn is reported once, even without debug', async () => {
  const failing = await faultServer((_req, res) => res.writeHead(500).end());
  try {
    const { counts } = await scenario(failing.url, 3);
    assert.deepEqual(counts, { ...zero, queued: 3, failed: 3, server: 3 });
    assert.equal(failing.arrivals.length, 3, 'no retry');
  } finally {
    await failing.close();
  }
  const body =
    '{"success":"false","error":[{"error_name":"ErrUserNotLoggedIn","message":"User is not logged in!"}]}';
  const unauthorised = await faultServer((_req, res) =>
    res.writeHead(401, { 'content-type': 'application/json' }).end(body),
  );
  try {
    const { counts, output } = await scenario(unauthorised.url, 3, { debug: false });
    assert.deepEqual(counts, { ...zero, queued: 3, failed: 3, rejected: 3 });
    assert.equal(output.match(/User is not logged in!/g)?.length, 1);
  } finally {
    await unauthorised.close();
  }
});

test('a 200 that says success "false" is a permanent failure; oversized and malformed bodies are bounded', async () => {
  const refusing = await faultServer((_req, res) =>
    res.end(
      '{"success":"false","error":[{"error_name":"","message":"Type must be \'log\' or \'exception\'"}]}',
    ),
  );
  try {
    const { counts, output } = await scenario(refusing.url, 2);
    assert.deepEqual(counts, { ...zero, queued: 2, failed: 2, rejected: 2 });
    assert.equal(refusing.arrivals.length, 2);
    assert.equal(output.match(/Type must be 'log' or 'exception'/g)?.length, 1);
  } finally {
    await refusing.close();
  }
  const huge = await faultServer((_req, res) =>
    res.end(`{"success":"true","pad":"${'x'.repeat(2_000_000)}"}`),
  );
  try {
    const { counts } = await scenario(huge.url, 2);
    assert.deepEqual(counts, { ...zero, queued: 2, sent: 2 });
  } finally {
    await huge.close();
  }
  const garbled = await faultServer((_req, res) => res.end('{not json'));
  try {
    const { counts } = await scenario(garbled.url, 1);
    assert.deepEqual(counts, { ...zero, queued: 1, sent: 1 });
  } finally {
    await garbled.close();
  }
});

test('429 with Retry-After: 2 pauses all sending for two seconds', async () => {
  let answered429 = false;
  const limited = await faultServer((_req, res) => {
    if (answered429) return void res.end('{"success":"true"}');
    answered429 = true;
    res.writeHead(429, { 'retry-after': '2' }).end();
  });
  try {
    await withOutput({ apiKey: KEY, endpoint: limited.url, timeoutMs: 1000 }, async () => {
      const before = stats();
      runWithContext({ recordingId: 'rec-429' }, () => log('first'));
      await flush(2000);
      const limitedAt = limited.arrivals[0]!;
      runWithContext({ recordingId: 'rec-429' }, () => {
        assert.equal(log('during the pause'), false);
      });
      await delay(500);
      assert.equal(limited.arrivals.length, 1, 'nothing reaches the server during the pause');
      // Wait (at most 10 s) for the pause to end, then sending resumes.
      const transport = currentTransport()!;
      for (let waited = 0; transport.isRateLimited && waited < 10_000; waited += 50)
        await delay(50);
      runWithContext({ recordingId: 'rec-429' }, () => {
        assert.equal(log('after the pause'), true);
      });
      await flush(2000);
      assert.equal(limited.arrivals.length, 2);
      // An ordering, not a speed check: the pause starts after the 429 reached the server
      // and lasts 2 s, so the next event cannot arrive sooner.
      assert.ok(limited.arrivals[1]! - limitedAt >= 2000, `${limited.arrivals[1]! - limitedAt} ms`);
      assert.deepEqual(diff(before, stats()), { ...zero, queued: 2, sent: 1, rateLimited: 2 });
    });
  } finally {
    await limited.close();
  }
});

test('Retry-After as an HTTP date and as garbage', () => {
  const now = Date.parse('Wed, 25 Nov 2026 10:00:00 GMT');
  assert.equal(retryAfterMs('Wed, 25 Nov 2026 10:00:05 GMT', now), 5000);
  assert.equal(retryAfterMs('Wed, 25 Nov 2026 09:00:00 GMT', now), 0);
  assert.equal(retryAfterMs('120', now), 120_000);
  assert.equal(retryAfterMs('soon-ish', now), 60_000);
  assert.equal(retryAfterMs(undefined, now), 60_000);
});

test('429 with an HTTP date and with garbage both stop sending', async () => {
  for (const retryAfter of [new Date(Date.now() + 3000).toUTCString(), 'garbage']) {
    const limited = await faultServer((_req, res) =>
      res.writeHead(429, { 'retry-after': retryAfter }).end(),
    );
    try {
      await withOutput({ apiKey: KEY, endpoint: limited.url }, async () => {
        runWithContext({ recordingId: 'rec-429' }, () => log('first'));
        await flush(2000);
        runWithContext({ recordingId: 'rec-429' }, () => {
          for (let i = 0; i < 5; i++) assert.equal(log('dropped'), false);
        });
        await delay(200);
        assert.equal(limited.arrivals.length, 1, retryAfter);
      });
    } finally {
      await limited.close();
    }
  }
});
