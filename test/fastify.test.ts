import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify from 'fastify';
import { fastifyPlugin } from '../adapters/fastify.js';
import { flush, getContext, startReceiver } from '../src/index.js';
import { request, withOutput } from './helpers.js';

const KEY = 'sk_fastify_key';
let receiver: Awaited<ReturnType<typeof startReceiver>>;
before(async () => {
  receiver = await startReceiver({ apiKey: KEY, print: false });
});
after(() => receiver.close());

test('covers routes of encapsulated plugins; setErrorHandler still answers', async () => {
  await withOutput({ apiKey: KEY, endpoint: receiver.url }, async () => {
    const app = Fastify();
    await app.register(fastifyPlugin);
    app.setErrorHandler((error: Error, _request, reply) => {
      reply.code(503).send({ mine: true, message: error.message });
    });
    await app.register(
      async (child) => {
        child.get('/orders/:id', async (req) => {
          const { id } = req.params as { id: string };
          if (id === 'bad') throw new Error('child broke');
          return { token: getContext()?.sessionToken };
        });
      },
      { prefix: '/api' },
    );
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    try {
      const ok = await request(`${url}/api/orders/1`, {
        headers: { 'x-openreplay-sessiontoken': 'tok-f' },
      });
      assert.deepEqual(JSON.parse(ok.body), { token: 'tok-f' });
      const bad = await request(`${url}/api/orders/bad`, {
        headers: { 'br-recording-uuid': 'rec-f' },
      });
      assert.deepEqual(
        [bad.status, JSON.parse(bad.body)],
        [503, { mine: true, message: 'child broke' }],
      );
      await flush();
    } finally {
      await app.close();
    }
  });
  const [event, ...rest] = receiver.events.filter((e) => e.type === 'exception');
  assert.equal(rest.length, 0);
  assert.equal(event?.title, 'Error: child broke');
  assert.equal(JSON.parse(event?.metadata ?? '{}').route, '/api/orders/:id');
});

test('invalid options are rejected at registration, naming the option', async () => {
  const app = Fastify();
  await assert.rejects(
    async () => {
      await app.register(fastifyPlugin, { shouldForward: 'yes' } as never);
    },
    { code: 'ERR_REPLAYLINK_INVALID_OPTION', message: /"shouldForward" is "yes"/ },
  );
});

test('the context reaches preHandler, the handler, onSend, onResponse and finish', async () => {
  await withOutput(undefined, async (output) => {
    const app = Fastify();
    await app.register(fastifyPlugin);
    const note = (where: string) => console.log(`${where} ${getContext()?.sessionToken}`);
    app.addHook('preHandler', async () => note('preHandler'));
    app.addHook('onSend', async () => note('onSend'));
    app.addHook('onResponse', async () => note('onResponse'));
    app.post('/', async (req, reply) => {
      reply.raw.on('finish', () => note('finish'));
      note(`handler ${(req.body as { n: number }).n}`);
      return 'ok';
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    try {
      const reply = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-openreplay-sessiontoken': 'tok-h' },
        body: '{"n":1}',
      });
      assert.equal(reply.body, 'ok');
    } finally {
      await app.close();
    }
    const lines = output.stdout().split('\n').filter(Boolean).sort();
    assert.deepEqual(
      lines,
      ['finish', 'handler 1', 'onResponse', 'onSend', 'preHandler']
        .map((where) => `[openReplaySessionToken=tok-h] ${where} tok-h`)
        .sort(),
    );
  });
});
