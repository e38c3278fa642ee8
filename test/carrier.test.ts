import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { RequestListener } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Queue, Worker } from 'bullmq';
import express from 'express';
import fc from 'fast-check';
import { expressMiddleware } from '../adapters/express.js';
import { carrier, close, fromCarrier, getContext, init, runWithContext } from '../src/index.js';
import { freePort, request, serve, withOutput } from './helpers.js';
import { useSeed } from './seed.js';
import { findService, REDIS, startRedis, stopRedis } from './services.js';

// fast-check runs from a printed seed (REPLAYLINK_SEED replays it).
useSeed();

describe('carrier and fromCarrier', () => {
  before(() => init());
  after(() => close());

  test('carrier() is the current ids by header name; empty outside a request', () => {
    assert.deepEqual(carrier(), {});
    const ids = { sessionToken: 'tok.A1', recordingId: 'rec-1', requestId: 'req-1' };
    const carried = runWithContext(ids, () => carrier());
    assert.deepEqual(carried, {
      'x-openreplay-sessiontoken': 'tok.A1',
      'br-recording-uuid': 'rec-1',
      'x-request-id': 'req-1',
    });
    // It survives JSON, as a queue payload does.
    const restored = runWithContext(fromCarrier(JSON.parse(JSON.stringify(carried))), () => {
      const c = getContext()!;
      return { sessionToken: c.sessionToken, recordingId: c.recordingId, requestId: c.requestId };
    });
    assert.deepEqual(restored, ids);
  });

  test('fromCarrier reads names case-insensitively and Buffer values, drops the rest', () => {
    assert.deepEqual(
      fromCarrier({
        'X-OpenReplay-SessionToken': Buffer.from('tok.B2'),
        'BR-Recording-UUID': 'r-2',
      }),
      { sessionToken: 'tok.B2', recordingId: 'r-2' },
    );
    assert.deepEqual(fromCarrier({ 'br-recording-uuid': 'a b', 'x-request-id': 'x]y' }), {});
    assert.deepEqual(fromCarrier({ 'br-recording-uuid': 'r-1', 'BR-RECORDING-UUID': 'r-2' }), {});
    assert.deepEqual(fromCarrier({ 'br-recording-uuid': ['r-1'] }), {});
    for (const junk of [null, undefined, 'br-recording-uuid', 42, ['r-1']])
      assert.deepEqual(fromCarrier(junk), {});
  });

  test('whatever a carrier holds, only safe ids come out', () => {
    const name = fc.constantFrom(
      'x-openreplay-sessiontoken',
      'BR-RECORDING-UUID',
      'x-request-id',
      'x-openreplay-session-id',
      '__proto__',
      'other',
    );
    fc.assert(
      fc.property(fc.dictionary(name, fc.oneof(fc.string(), fc.anything())), (input) => {
        const init = fromCarrier(input);
        for (const value of Object.values(init)) {
          assert.equal(typeof value, 'string');
          assert.ok(!/[\s[\]\p{Cc}]/u.test(value as string), JSON.stringify(value));
        }
        runWithContext(init, () => carrier());
      }),
      { numRuns: 300 },
    );
  });
});

const redisServer = findService(REDIS);

describe('a BullMQ job', { skip: redisServer.skip }, () => {
  let redis: ChildProcess | undefined;
  let port: number;
  before(async () => {
    port = await freePort();
    redis = await startRedis(redisServer.command!, port);
  });
  after(async () => {
    if (redis) await stopRedis(redis);
  });

  test('logs stamped with the session of the request that enqueued it', async () => {
    const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
    await withOutput({}, async (output) => {
      const queue = new Queue('receipts', { connection });
      const worker = new Worker(
        'receipts',
        async (job) =>
          runWithContext(fromCarrier(job.data.replaylink), () => {
            console.log(`receipt sent for order ${job.data.order}`);
          }),
        { connection },
      );
      const app = express();
      app.use(expressMiddleware());
      app.post('/orders/:id', async (req, res) => {
        console.log(`order ${req.params.id} placed`);
        await queue.add('receipt', { order: req.params.id, replaylink: carrier() });
        res.status(202).send('queued');
      });
      const server = await serve(app as unknown as RequestListener);
      try {
        const done = new Promise<void>((resolve) => {
          let count = 0;
          worker.on('completed', () => ++count === 2 && resolve());
        });
        const headers = (n: number) => ({
          'x-openreplay-sessiontoken': `tok.job${n}`,
          'br-recording-uuid': `rec-job${n}`,
        });
        await Promise.all([
          request(`${server.url}/orders/1`, { method: 'POST', headers: headers(1) }),
          request(`${server.url}/orders/2`, { method: 'POST', headers: headers(2) }),
        ]);
        await done;
      } finally {
        await server.close();
        await worker.close();
        await queue.obliterate({ force: true });
        await queue.close();
      }
      const stdout = output.stdout();
      for (const n of [1, 2]) {
        const tags = `[openReplaySessionToken=tok.job${n}] [bugReplayRecordingUuid=rec-job${n}] `;
        assert.ok(stdout.includes(`${tags}order ${n} placed\n`), stdout);
        assert.ok(stdout.includes(`${tags}receipt sent for order ${n}\n`), stdout);
      }
    });
  });
});
