import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import Koa from 'koa';
import { koaMiddleware } from '../adapters/koa.js';
import { flush, getContext, startReceiver } from '../src/index.js';
import { request, serve, withOutput } from './helpers.js';

const KEY = 'sk_koa_key';
let receiver: Awaited<ReturnType<typeof startReceiver>>;
before(async () => {
  receiver = await startReceiver({ apiKey: KEY, print: false });
});
after(() => receiver.close());

test("Koa's own error handling and app.on('error') see the error unchanged", async () => {
  const boom = new Error('koa broke');
  await withOutput({ apiKey: KEY, endpoint: receiver.url }, async () => {
    const app = new Koa();
    app.use(koaMiddleware());
    app.use(async (ctx) => {
      assert.equal(ctx.state.replaylink, getContext());
      throw boom;
    });
    const errors = once(app, 'error');
    const server = await serve(app.callback());
    try {
      const reply = await request(server.url, { headers: { 'br-recording-uuid': 'rec-koa' } });
      assert.deepEqual([reply.status, reply.body], [500, 'Internal Server Error']);
      const [emitted] = await errors;
      assert.equal(emitted, boom);
      await flush();
    } finally {
      await server.close();
    }
  });
  assert.deepEqual(
    receiver.events.filter((e) => e.type === 'exception').map((e) => [e.title, e.uuid]),
    [['Error: koa broke', 'rec-koa']],
  );
});

test('ctx.state.replaylink is the request context', async () => {
  await withOutput(undefined, async () => {
    const app = new Koa();
    app.use(koaMiddleware());
    app.use((ctx) => {
      ctx.body = ctx.state.replaylink;
    });
    const server = await serve(app.callback());
    try {
      const reply = await request(`${server.url}/orders/1?x=1`, {
        headers: { 'x-openreplay-sessiontoken': 'tok-koa' },
      });
      const body = JSON.parse(reply.body);
      assert.deepEqual([body.sessionToken, body.path], ['tok-koa', '/orders/1']);
    } finally {
      await server.close();
    }
  });
});
