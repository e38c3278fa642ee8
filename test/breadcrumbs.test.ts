import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { test } from 'node:test';
import express, { type ErrorRequestHandler } from 'express';
import { expressErrorHandler, expressMiddleware } from '../adapters/express.js';
import { flush, init, log, ReplayLinkError, type ReplayLinkOptions } from '../src/index.js';
import { request, serve, useReceiver, withOutput } from './helpers.js';

const KEY = 'sk_crumbs_KEY';
const receiver = useReceiver(KEY);
const options = (extra: ReplayLinkOptions = {}): ReplayLinkOptions => ({
  apiKey: KEY,
  endpoint: receiver.url,
  ...extra,
});

interface Crumb {
  level: string;
  message: string;
  offsetMs: number;
}

const reply500: ErrorRequestHandler = (_err, _req, res, _next) => {
  res.status(500).send('failed');
};

function app(): RequestListener {
  const a = express();
  a.use(expressMiddleware());
  a.get('/checkout/:who', async (req) => {
    const who = req.params.who;
    console.log(`${who}: cart loaded`);
    await new Promise((resolve) => setImmediate(resolve));
    console.warn(`${who}: stock low`);
    process.stdout.write(`${who}: raw write\n`);
    // What a logger writing bytes sends (pino's destination, a Writable piped to stdout).
    process.stdout.write(Buffer.from(`${who}: bytes é\n`));
    process.stderr.write(new Uint8Array(Buffer.from(`${who}: stderr bytes\n`)));
    log(`${who}: charging`, { level: 'debug' });
    console.info(`${who}: key ${KEY}`);
    throw new Error(`${who}: card declined`);
  });
  a.get('/chatty', (req) => {
    for (let i = 0; i < Number(req.query.lines); i++)
      console.log(`line ${i} ${'x'.repeat(Number(req.query.width))}`);
    throw new Error('after many lines');
  });
  a.use(expressErrorHandler());
  a.use(reply500);
  return a as unknown as RequestListener;
}

async function run(extra: ReplayLinkOptions, paths: string[]): Promise<void> {
  await withOutput(options(extra), async () => {
    const server = await serve(app());
    try {
      await Promise.all(
        paths.map((path, i) =>
          request(`${server.url}${path}`, { headers: { 'br-recording-uuid': `rec-${i}` } }),
        ),
      );
      await flush(2000);
    } finally {
      await server.close();
    }
  });
}

const crumbsOf = (uuid: string): Crumb[] | undefined => {
  const event = receiver.events.find((e) => e.type === 'exception' && e.uuid === uuid);
  assert.ok(event, `no exception for ${uuid}`);
  return (JSON.parse(event.metadata) as { breadcrumbs?: Crumb[] }).breadcrumbs;
};

test('an exception carries the lines its request wrote, in order, with level and offset', async () => {
  await run({}, ['/checkout/ann', '/checkout/bob']);
  for (const [uuid, who] of [
    ['rec-0', 'ann'],
    ['rec-1', 'bob'],
  ] as const) {
    const crumbs = crumbsOf(uuid)!;
    // Concurrent requests: each sees only its own lines.
    assert.deepEqual(
      crumbs.map(({ level, message }) => ({ level, message })),
      [
        { level: 'info', message: `${who}: cart loaded` },
        { level: 'warn', message: `${who}: stock low` },
        { level: 'info', message: `${who}: raw write` },
        { level: 'info', message: `${who}: bytes é` },
        { level: 'error', message: `${who}: stderr bytes` },
        { level: 'debug', message: `${who}: charging` },
        { level: 'info', message: `${who}: key [redacted]` },
      ],
    );
    const offsets = crumbs.map((c) => c.offsetMs);
    assert.ok(offsets.every((o) => Number.isInteger(o) && o >= 0));
    assert.deepEqual(
      offsets,
      [...offsets].sort((x, y) => x - y),
    );
  }
  assert.ok(!JSON.stringify(receiver.events).includes(KEY), 'the api key is scrubbed');
});

test('the trail keeps the last N lines and at most 8 KiB', async () => {
  await run({ breadcrumbs: 3 }, ['/chatty?lines=10&width=1']);
  assert.deepEqual(
    crumbsOf('rec-0')!.map((c) => c.message),
    ['line 7 x', 'line 8 x', 'line 9 x'],
  );
  receiver.events.length = 0;
  await run({}, ['/chatty?lines=10&width=3000']);
  const wide = crumbsOf('rec-0')!;
  assert.equal(wide.at(-1)?.message.startsWith('line 9 '), true);
  const chars = wide.reduce((sum, c) => sum + c.message.length, 0);
  assert.ok(chars <= 8 * 1024, `${chars} characters`);
  assert.equal(wide.length, 2);
  receiver.events.length = 0;
  await run({}, ['/chatty?lines=1&width=20000']);
  const [long] = crumbsOf('rec-0')!;
  assert.equal(long?.message.length, 8 * 1024, 'one long line is cut to 8 KiB');
  assert.ok(long?.message.startsWith('line 0 '));
});

test('breadcrumbs: 0 sends none; bad values are refused at set-up', async () => {
  await run({ breadcrumbs: 0 }, ['/checkout/cy']);
  assert.equal(crumbsOf('rec-0'), undefined);
  for (const bad of [-1, 1.5, '20', 1001])
    assert.throws(
      () => init({ breadcrumbs: bad as number }),
      (error: unknown) => error instanceof ReplayLinkError && /"breadcrumbs"/.test(error.message),
    );
});
