import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { test } from 'node:test';
import express from 'express';
import fc from 'fast-check';
import { expressMiddleware } from '../adapters/express.js';
import { logText } from '../src/forward/serialize.js';
import { flush, log, type ReplayLinkOptions, runWithContext } from '../src/index.js';
import { request, serve, useReceiver, withOutput } from './helpers.js';
import { useSeed } from './seed.js';

// fast-check runs from a printed seed (REPLAYLINK_SEED replays it).
useSeed();

const KEY = 'sk_payload';
const receiver = useReceiver(KEY);
const options = (): ReplayLinkOptions => ({
  apiKey: KEY,
  endpoint: receiver.url,
  forward: { logs: 'info' },
});

test('console.* with one plain object or array sends JSON; mixed arguments stay text', async () => {
  const a = express();
  a.use(expressMiddleware());
  a.get('/objects', (_req, res) => {
    console.log({ a: 1, nested: { list: [1, 2] } });
    console.warn([1, { big: 10n }]);
    console.info('order %d', 7, { a: 1 });
    console.log(new Map([['k', 1]]));
    res.send('ok');
  });
  await withOutput(options(), async (output) => {
    const server = await serve(a as unknown as RequestListener);
    try {
      await request(`${server.url}/objects`, { headers: { 'br-recording-uuid': 'rec-obj' } });
      await flush(2000);
    } finally {
      await server.close();
    }
    // What is printed is unchanged: util.inspect text, stamped.
    assert.match(output.stdout(), /^\[bugReplayRecordingUuid=rec-obj\] \{ a: 1, nested/m);
  });
  const payloads = receiver.events.map((e) => e.payload);
  assert.deepEqual(JSON.parse(payloads[0]!), { a: 1, nested: { list: [1, 2] } });
  assert.deepEqual(JSON.parse(payloads[1]!), [1, { big: '10n' }]);
  assert.equal(payloads[2], 'order 7 { a: 1 }');
  assert.equal(payloads[3], "Map(1) { 'k' => 1 }");
});

test('log(obj) sends JSON with cycles broken and secrets redacted', async () => {
  const order: Record<string, unknown> = { id: 7, password: 'hunter2', card: { token: 't' } };
  order.self = order;
  await withOutput(options(), async () => {
    runWithContext({ recordingId: 'rec-log' }, () => {
      assert.equal(log(order), true);
      assert.equal(log([{ apiKey: 'k', n: 1 }]), true);
    });
    await flush(2000);
  });
  const [first, second] = receiver.events.map((e) => JSON.parse(e.payload));
  assert.deepEqual(first, {
    id: 7,
    password: '[redacted]',
    card: { token: '[redacted]' },
    self: '[Circular]',
  });
  assert.deepEqual(second, [{ apiKey: '[redacted]', n: 1 }]);
  assert.ok(!JSON.stringify(receiver.events).includes('hunter2'));
});

/**
 * Objects and arrays whose JSON is within 2 KiB of the 64 KiB cap, on either side: strings
 * of one repeated unit, each short enough to escape the 16 KiB cut of a single string.
 */
const nearTheCap = fc
  .tuple(
    fc.integer({ min: 62 * 1024, max: 66 * 1024 }),
    fc.constantFrom('x', '"', '\\', '\u0001', 'é', '😀', '\u2028'),
    fc.boolean(),
  )
  .map(([jsonLength, unit, asArray]) => {
    const escaped = JSON.stringify(unit).length - 2;
    const perString = Math.floor((16 * 1024) / escaped);
    const full = perString * escaped + 3; // the quotes and a comma
    const strings = Array.from({ length: Math.floor(jsonLength / full) }, () =>
      unit.repeat(perString),
    );
    strings.push(unit.repeat(Math.floor((jsonLength % full) / escaped)));
    return asArray ? strings : Object.fromEntries(strings.map((text, i) => [`k${i}`, text]));
  });

test('a lone plain object or array always becomes JSON within 64 KiB', () => {
  fc.assert(
    fc.property(fc.oneof(fc.object(), fc.array(fc.anything()), nearTheCap), (value) => {
      const text = logText([value]);
      assert.ok(text.length <= 64 * 1024);
      JSON.parse(text);
    }),
    { numRuns: 300 },
  );
});

test('JSON past 64 KiB is cut as a JSON string, still parseable', () => {
  for (const filler of ['x', '"', '\u0001']) {
    const big = { rows: Array.from({ length: 200 }, () => filler.repeat(2000)) };
    const text = logText([big]);
    assert.ok(text.length <= 64 * 1024, `${text.length}`);
    const parsed = JSON.parse(text) as { truncated: boolean; json: string };
    assert.equal(parsed.truncated, true);
    assert.ok(parsed.json.startsWith('{"rows":['));
  }
});
