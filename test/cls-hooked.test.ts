import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { test } from 'node:test';
import cls from 'cls-hooked';
import express from 'express';
import { clsHookedMiddleware } from '../adapters/cls-hooked.js';
import { expressMiddleware } from '../adapters/express.js';
import { delay, request, serve, withOutput } from './helpers.js';
import { useSeed } from './seed.js';

const random = useSeed();

const ns = cls.createNamespace('replaylink-test');

/** Stands in for an ORM built on cls-hooked: reads the namespace in its own callbacks. */
function query(): Promise<string | undefined> {
  return new Promise((resolve) => setImmediate(() => resolve(ns.get('sessionToken'))));
}

test('ns.get() sees each of 200 concurrent requests own ids through awaits, callbacks and finish', async () => {
  await withOutput(undefined, async () => {
    const seenOnFinish = new Map<string, unknown>();
    let allFinished!: () => void;
    const finished = new Promise<void>((resolve) => {
      allFinished = resolve;
    });
    const app = express();
    app.use(expressMiddleware());
    app.use(clsHookedMiddleware(ns));
    app.use(express.json());
    app.post('/:i', async (req, res) => {
      const i = req.params.i!;
      res.on('finish', () => {
        seenOnFinish.set(i, ns.get('sessionToken'));
        if (seenOnFinish.size === 201) allFinished();
      });
      await delay(Math.floor(random() * 3));
      const fromQuery = await query();
      res.json({
        body: req.body.i === Number(i),
        fromQuery,
        afterAwait: ns.get('sessionToken'),
        recordingId: ns.get('recordingId'),
        requestId: ns.get('requestId'),
      });
    });
    const server = await serve(app as unknown as RequestListener);
    try {
      const replies = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          request(`${server.url}/${i}`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'x-openreplay-sessiontoken': `tok.${i}`,
              'br-recording-uuid': `rec-${i}`,
              'x-request-id': `req-${i}`,
            },
            body: JSON.stringify({ i }),
          }),
        ),
      );
      replies.forEach((reply, i) => {
        assert.deepEqual(JSON.parse(reply.body), {
          body: true,
          fromQuery: `tok.${i}`,
          afterAwait: `tok.${i}`,
          recordingId: `rec-${i}`,
          requestId: `req-${i}`,
        });
      });
      // A request without ids still runs; the namespace holds its request id only.
      const bare = await request(`${server.url}/x`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(JSON.parse(bare.body).fromQuery, undefined);
      await finished;
    } finally {
      await server.close();
    }
    for (let i = 0; i < 200; i++) assert.equal(seenOnFinish.get(String(i)), `tok.${i}`);
  });
});
