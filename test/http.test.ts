import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { withReplayLink } from '../adapters/http.js';
import { flush, getContext, startReceiver } from '../src/index.js';
import { request, serve, withOutput } from './helpers.js';

const KEY = 'sk_http_key';
let receiver: Awaited<ReturnType<typeof startReceiver>>;
before(async () => {
  receiver = await startReceiver({ apiKey: KEY, print: false });
});
after(() => receiver.close());

test('a synchronous throw is forwarded once and rethrown unchanged', async () => {
  const boom = new Error('sync broke');
  const rethrown: unknown[] = [];
  await withOutput({ apiKey: KEY, endpoint: receiver.url }, async () => {
    const handler = withReplayLink((req: IncomingMessage, res: ServerResponse) => {
      if (req.url === '/bad') throw boom;
      res.end(getContext()?.recordingId);
    });
    const server = await serve((req, res) => {
      try {
        handler(req, res);
      } catch (err) {
        rethrown.push(err);
        res.statusCode = 500;
        res.end();
      }
    });
    try {
      const ok = await request(`${server.url}/ok`, { headers: { 'br-recording-uuid': 'rec-h' } });
      assert.equal(ok.body, 'rec-h');
      const bad = await request(`${server.url}/bad`, { headers: { 'br-recording-uuid': 'rec-h' } });
      assert.equal(bad.status, 500);
      await flush();
    } finally {
      await server.close();
    }
  });
  assert.deepEqual(rethrown, [boom]);
  assert.deepEqual(
    receiver.events.filter((e) => e.type === 'exception').map((e) => e.title),
    ['Error: sync broke'],
  );
});
