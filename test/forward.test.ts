import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { test } from 'node:test';
import express from 'express';
import { expressErrorHandler, expressMiddleware } from '../adapters/express.js';
import {
  captureException,
  flush,
  log,
  type ReplayLinkOptions,
  runWithContext,
  stats,
} from '../src/index.js';
import { request, serve, useReceiver, withOutput } from './helpers.js';

const KEY = 'sk_live_X';
const receiver = useReceiver(KEY);

const options = (extra: ReplayLinkOptions = {}): ReplayLinkOptions => ({
  apiKey: KEY,
  endpoint: receiver.url,
  origin: 'test-origin',
  ...extra,
});
const REC = { 'br-recording-uuid': 'rec-42' };

function app(): RequestListener {
  const a = express();
  a.use(expressMiddleware());
  a.get('/orders/:id', async (req, _res, next) => {
    await new Promise((r) => setTimeout(r, 1));
    if (req.query.kind === 'client')
      return next(Object.assign(new Error('no such order'), { status: 404 }));
    const cause = new Error('connection reset');
    next(new Error('order lookup failed', { cause }));
  });
  a.get('/log', (_req, res) => {
    console.debug('debug line');
    console.log('info line %d', 7);
    console.warn('warn line');
    console.error('error line');
    res.send('ok');
  });
  a.use(expressErrorHandler());
  a.use(expressErrorHandler()); // a second capture point must not forward again
  a.use(
    (err: Error & { status?: number }, _req: unknown, res: express.Response, _next: unknown) => {
      captureException(err); // a third one
      res.status(err.status ?? 500).json({ shapedBy: 'app', message: err.message });
    },
  );
  return a as unknown as RequestListener;
}

test('an exception is forwarded once with exactly the send API body', async () => {
  const startedAt = Date.now();
  await withOutput(options(), async () => {
    const server = await serve(app());
    try {
      const reply = await request(`${server.url}/orders/7?secret=1`, { headers: REC });
      assert.equal(reply.status, 500);
      assert.deepEqual(JSON.parse(reply.body), { shapedBy: 'app', message: 'order lookup failed' });
      assert.equal(await flush(2000), true);
    } finally {
      await server.close();
    }
  });
  assert.equal(receiver.events.length, 1);
  const [event] = receiver.events;
  assert.ok(event);
  assert.equal(event.uuid, 'rec-42');
  assert.equal(event.type, 'exception');
  assert.equal(event.level, 'error');
  assert.equal(event.title, 'Error: order lookup failed');
  assert.equal(event.origin, 'test-origin');
  // Taken while the request ran: ordered between the test's start and now.
  assert.ok(Number.isInteger(event.timestamp), String(event.timestamp));
  assert.ok(startedAt <= event.timestamp && event.timestamp <= Date.now(), String(event.timestamp));
  assert.match(event.payload, /^Error: order lookup failed\n\s+at /);
  assert.match(event.payload, /\nCaused by: Error: connection reset\n/);
  const metadata = JSON.parse(event.metadata);
  assert.equal(metadata.method, 'GET');
  assert.equal(metadata.route, '/orders/:id');
  assert.equal(metadata.path, '/orders/7');
  assert.equal(metadata.status, 500);
  assert.equal(metadata.node, process.version);
  assert.match(metadata.requestId, /^[0-9a-f-]{36}$/);
});

test('client errors (4xx) are not forwarded; shouldForward overrides', async () => {
  await withOutput(options(), async () => {
    const server = await serve(app());
    try {
      assert.equal(
        (await request(`${server.url}/orders/7?kind=client`, { headers: REC })).status,
        404,
      );
      await flush(2000);
      assert.equal(
        receiver.events.length,
        1,
        'only captureException in the app handler forwards it',
      );
    } finally {
      await server.close();
    }
  });
  const a = express();
  a.use(expressMiddleware());
  a.get('/', (_req, _res, next) => next(Object.assign(new Error('teapot'), { status: 418 })));
  a.use(
    expressErrorHandler({ shouldForward: (err) => (err as { status?: number }).status === 418 }),
  );
  a.use((_err: Error, _req: unknown, res: express.Response, _next: unknown) =>
    res.status(418).end(),
  );
  receiver.events.length = 0;
  await withOutput(options(), async () => {
    const server = await serve(a as unknown as RequestListener);
    try {
      await request(server.url, { headers: REC });
      await flush(2000);
    } finally {
      await server.close();
    }
  });
  assert.deepEqual(
    receiver.events.map((e) => e.title),
    ['Error: teapot'],
  );
});

test('a throwing shouldForward counts as "forward" and does not change the answer', async () => {
  const a = express();
  a.use(expressMiddleware());
  // A 404 the default rule would keep: only the throwing rule's "forward" sends it.
  a.get('/', (_req, _res, next) => next(Object.assign(new Error('not here'), { status: 404 })));
  a.use(
    expressErrorHandler({
      shouldForward: () => {
        throw new TypeError('bug in the rule');
      },
    }),
  );
  a.use((err: Error & { status: number }, _req: unknown, res: express.Response, _next: unknown) =>
    res.status(err.status).send(err.message),
  );
  await withOutput(options(), async () => {
    const server = await serve(a as unknown as RequestListener);
    try {
      const reply = await request(server.url, { headers: REC });
      assert.deepEqual([reply.status, reply.body], [404, 'not here']);
      assert.equal(await flush(2000), true);
    } finally {
      await server.close();
    }
  });
  assert.deepEqual(
    receiver.events.map((e) => [e.uuid, e.title]),
    [['rec-42', 'Error: not here']],
  );
});

test('console output in a recorded request is forwarded as logs from the configured level', async () => {
  for (const [logs, expected] of [
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    [false, []],
  ] as const) {
    receiver.events.length = 0;
    await withOutput(options({ forward: { logs } }), async (output) => {
      const server = await serve(app());
      try {
        await request(`${server.url}/log`, { headers: REC });
        await flush(2000);
      } finally {
        await server.close();
      }
      assert.match(output.stdout(), /^\[bugReplayRecordingUuid=rec-42\] info line 7$/m);
    });
    assert.deepEqual(
      receiver.events.map((e) => e.level),
      expected,
      String(logs),
    );
    for (const event of receiver.events) assert.equal(event.type, 'log');
    if (logs === 'info') assert.equal(receiver.events[0]?.payload, 'info line 7');
  }
});

test('events outside a recorded context are skipped and counted', async () => {
  await withOutput(options(), async () => {
    const before = stats().dropped;
    assert.equal(captureException(new Error('outside')), false);
    assert.equal(
      runWithContext({ sessionToken: 'only-token' }, () => log('no recording')),
      false,
    );
    const server = await serve(app());
    try {
      await request(`${server.url}/orders/1`, { headers: { 'br-recording-uuid': 'bad uuid!' } });
    } finally {
      await server.close();
    }
    const after = stats().dropped;
    assert.equal(after.noRecordingId - before.noRecordingId, 2);
    assert.equal(after.invalidHeader - before.invalidHeader, 1);
  });
  assert.equal(receiver.events.length, 0);
});

test('manual log() and captureException() report whether they queued', async () => {
  await withOutput(options(), async () => {
    await runWithContext({ recordingId: 'rec-manual' }, async () => {
      assert.equal(
        log('checkout started', { level: 'warn', title: 'checkout', metadata: { cart: 3 } }),
        true,
      );
      assert.equal(captureException('a plain string'), true);
    });
    await flush(2000);
  });
  const [logged, thrown] = receiver.events;
  assert.equal(logged?.level, 'warn');
  assert.equal(logged?.title, 'checkout');
  assert.equal(JSON.parse(logged?.metadata ?? '{}').cart, 3);
  assert.equal(thrown?.title, 'Non-Error thrown: a plain string');
  assert.equal(thrown?.payload, 'a plain string');
});

test('hostile values still produce a payload and pollute no prototype', async () => {
  const circular: Record<string, unknown> = { name: 'loop' };
  circular.self = circular;
  const hostileGetter = {
    get boom() {
      throw new Error('getter');
    },
  };
  const hostileToJSON = {
    toJSON() {
      throw new Error('toJSON');
    },
  };
  const pollute = JSON.parse(
    '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
  );
  await withOutput(options(), async () => {
    await runWithContext({ recordingId: 'rec-hostile' }, async () => {
      assert.equal(
        captureException(circular, { big: 10n, hostileGetter, hostileToJSON, pollute }),
        true,
      );
      assert.equal(captureException({ big: 1n, hostileGetter }), true);
      const weird = new Error('weird');
      Object.defineProperty(weird, 'stack', {
        get() {
          throw new Error('stack getter');
        },
      });
      assert.equal(captureException(weird), true);
    });
    await flush(2000);
  });
  assert.equal(receiver.events.length, 3);
  const [first, second, third] = receiver.events;
  assert.match(first?.payload ?? '', /"self":"\[Circular\]"/);
  const metadata = JSON.parse(first?.metadata ?? '{}');
  assert.equal(metadata.big, '10n');
  assert.equal(metadata.hostileGetter.boom, '[unreadable]');
  assert.equal(metadata.hostileToJSON, '[toJSON threw]');
  assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false);
  assert.match(second?.payload ?? '', /"big":"1n"/);
  assert.equal(third?.title, 'Error: weird');
});

test('secret-looking keys are redacted at any depth and the api key appears nowhere', async () => {
  let out = '';
  await withOutput(options({ debug: true }), async (output) => {
    await runWithContext({ recordingId: 'rec-secret' }, async () => {
      captureException(new Error(`failed with key ${KEY}`), {
        headers: {
          Authorization: 'Bearer abc',
          cookie: 'sid=1',
          nested: { password: 'p', apiKey: 'k' },
        },
        clientSecret: 'shh',
        safe: 'visible',
      });
      console.log(`logging the key ${KEY}`);
    });
    await flush(2000);
    out = output.stdout() + output.stderr();
  });
  const [exception, logged] = receiver.events;
  const metadata = JSON.parse(exception?.metadata ?? '{}');
  assert.equal(metadata.headers.Authorization, '[redacted]');
  assert.equal(metadata.headers.cookie, '[redacted]');
  assert.equal(metadata.headers.nested.password, '[redacted]');
  assert.equal(metadata.headers.nested.apiKey, '[redacted]');
  assert.equal(metadata.clientSecret, '[redacted]');
  assert.equal(metadata.safe, 'visible');
  for (const event of receiver.events) assert.ok(!JSON.stringify(event).includes(KEY));
  assert.equal(logged?.payload, 'logging the key [redacted]');
  // The application printed the key itself; replaylink adds no copy of it to the output.
  assert.equal(out.split(KEY).length - 1, 1);
});

test('beforeSend can change or drop an event', async () => {
  await withOutput(
    options({
      beforeSend: (event) =>
        event.title.includes('drop') ? null : { ...event, title: `[edited] ${event.title}` },
    }),
    async () => {
      const before = stats().dropped.beforeSend;
      await runWithContext({ recordingId: 'rec-bs' }, async () => {
        assert.equal(captureException(new Error('keep')), true);
        // beforeSend runs at capture: a dropped event is never queued.
        assert.equal(captureException(new Error('drop me')), false);
      });
      await flush(2000);
      assert.equal(stats().dropped.beforeSend - before, 1);
    },
  );
  assert.deepEqual(
    receiver.events.map((e) => e.title),
    ['[edited] Error: keep'],
  );
});

test('without an api key nothing is forwarded and stamping still works', async () => {
  await withOutput({ endpoint: receiver.url }, async (output) => {
    const before = stats().dropped.noApiKey;
    runWithContext({ recordingId: 'rec-nokey' }, () => {
      console.log('still stamped');
      assert.equal(captureException(new Error('x')), false);
    });
    assert.equal(output.stdout(), '[bugReplayRecordingUuid=rec-nokey] still stamped\n');
    assert.equal(stats().dropped.noApiKey - before, 1);
  });
  assert.equal(receiver.events.length, 0);
});

test('each compression round-trips through the receiver', async () => {
  for (const compression of ['gzip', 'deflate', 'br'] as const) {
    await withOutput(options({ compression }), async () => {
      runWithContext({ recordingId: `rec-${compression}` }, () =>
        log(`compressed with ${compression}`),
      );
      assert.equal(await flush(2000), true);
    });
  }
  assert.deepEqual(
    receiver.events.map((e) => [e.encoding, e.payload]),
    [
      ['gzip', 'compressed with gzip'],
      ['deflate', 'compressed with deflate'],
      ['br', 'compressed with br'],
    ],
  );
});
