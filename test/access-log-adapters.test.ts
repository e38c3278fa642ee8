import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { describe, test } from 'node:test';
import express5 from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import Koa from 'koa';
import { expressMiddleware } from '../adapters/express.js';
import { fastifyPlugin } from '../adapters/fastify.js';
import { koaMiddleware } from '../adapters/koa.js';
import { ReplayLinkError } from '../src/index.js';
import { request, serve, withOutput } from './helpers.js';

/** Collects access-log lines; `lines(n)` resolves once n have been written. */
function collector() {
  const written: string[] = [];
  const waiters: Array<[number, () => void]> = [];
  const stream = (line: string) => {
    written.push(line);
    for (const [n, resolve] of waiters) if (written.length >= n) resolve();
  };
  const lines = (n: number) =>
    new Promise<string[]>((resolve) => {
      const done = () => resolve(written.slice());
      if (written.length >= n) done();
      else waiters.push([n, done]);
    });
  return { stream, lines, written };
}

const ERROR_FORMAT = '$context.status $context.routeKey $context.error.messageString';
type ExpressFactory = typeof express5;

for (const [name, express] of [
  ['express 4', express4 as unknown as ExpressFactory],
  ['express 5', express5],
] as const) {
  describe(name, () => {
    test('an app-level and a router-level accessLog each write one line per request', async () => {
      await withOutput(undefined, async () => {
        const outer = collector();
        const inner = collector();
        const app = express();
        app.use(
          expressMiddleware({
            accessLog: { format: 'outer $context.status', stream: outer.stream },
          }),
        );
        const router = express.Router();
        router.use(
          expressMiddleware({
            accessLog: { format: 'inner $context.routeKey', stream: inner.stream },
          }),
        );
        router.get('/orders/:id', (_req, res) => {
          res.send('ok');
        });
        app.use('/api', router);
        const server = await serve(app as unknown as RequestListener);
        try {
          await request(`${server.url}/api/orders/1`);
          await request(`${server.url}/api/orders/2`);
          assert.deepEqual(await outer.lines(2), ['outer 200', 'outer 200']);
          assert.deepEqual(await inner.lines(2), [
            'inner GET /api/orders/:id',
            'inner GET /api/orders/:id',
          ]);
        } finally {
          await server.close();
        }
        assert.equal(outer.written.length + inner.written.length, 4);
      });
    });

    test('the source address honours trust proxy: the peer by default, X-Forwarded-For when trusted', async () => {
      await withOutput(undefined, async () => {
        const lines: string[] = [];
        for (const trust of [false, true]) {
          const log = collector();
          const app = express();
          if (trust) app.set('trust proxy', true);
          app.use(
            expressMiddleware({
              accessLog: { format: '$context.identity.sourceIp', stream: log.stream },
            }),
          );
          app.get('/', (_req, res) => {
            res.send('ok');
          });
          const server = await serve(app as unknown as RequestListener);
          try {
            await request(`${server.url}/`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
            lines.push(...(await log.lines(1)));
          } finally {
            await server.close();
          }
        }
        assert.deepEqual(lines, ['127.0.0.1', '203.0.113.7']);
      });
    });

    test('skip leaves out the health check; a 5xx error fills $context.error without an error handler', async () => {
      await withOutput(undefined, async () => {
        const log = collector();
        const app = express();
        app.use(
          expressMiddleware({
            accessLog: {
              format: ERROR_FORMAT,
              stream: log.stream,
              skip: (req) => req.url === '/health',
            },
          }),
        );
        app.get('/health', (_req, res) => {
          res.send('ok');
        });
        app.get('/broken', () => {
          throw new Error('database down');
        });
        const server = await serve(app as unknown as RequestListener);
        try {
          await request(`${server.url}/health`);
          const reply = await request(`${server.url}/broken`);
          assert.equal(reply.status, 500);
          assert.deepEqual(await log.lines(1), ['500 GET /broken "database down"']);
        } finally {
          await server.close();
        }
        assert.equal(log.written.length, 1);
      });
    });

    test('routes mounted after the first request are still covered by the last error layer', async () => {
      await withOutput(undefined, async () => {
        const log = collector();
        const app = express();
        app.use(expressMiddleware({ accessLog: { format: ERROR_FORMAT, stream: log.stream } }));
        app.get('/health', (_req, res) => {
          res.send('ok');
        });
        const server = await serve(app as unknown as RequestListener);
        try {
          await request(`${server.url}/health`);
          // Mounted once the app serves, as an app does after its database connects.
          app.get('/late', () => {
            throw new Error('late route down');
          });
          for (let i = 0; i < 3; i++)
            assert.equal((await request(`${server.url}/late`)).status, 500);
          assert.deepEqual((await log.lines(4)).slice(1), [
            '500 GET /late "late route down"',
            '500 GET /late "late route down"',
            '500 GET /late "late route down"',
          ]);
        } finally {
          await server.close();
        }
        // Appended twice (first request, after /late), not once per request.
        const router = app as unknown as {
          _router?: { stack: unknown[] };
          router?: { stack: unknown[] };
        };
        const stack = (Object.hasOwn(router, '_router') ? router._router : router.router)!.stack;
        const ours = stack.filter(
          (layer) => (layer as { handle: { name: string } }).handle.name === 'replaylinkLastErrors',
        );
        assert.equal(ours.length, 2);
      });
    });
  });
}

test('koa: a 5xx error fills $context.error', async () => {
  await withOutput(undefined, async () => {
    const log = collector();
    const app = new Koa();
    app.silent = true;
    app.use(koaMiddleware({ accessLog: { format: ERROR_FORMAT, stream: log.stream } }));
    app.use(() => {
      throw new Error('koa down');
    });
    const server = await serve(app.callback());
    try {
      assert.equal((await request(`${server.url}/x`)).status, 500);
      assert.deepEqual(await log.lines(1), ['500 GET /x "koa down"']);
    } finally {
      await server.close();
    }
  });
});

test('fastify: a 5xx error fills $context.error', async () => {
  await withOutput(undefined, async () => {
    const log = collector();
    const app = Fastify();
    await app.register(fastifyPlugin, { accessLog: { format: ERROR_FORMAT, stream: log.stream } });
    app.get('/x', async () => {
      throw new Error('fastify down');
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      assert.equal((await request(`${url}/x`)).status, 500);
      assert.deepEqual(await log.lines(1), ['500 GET /x "fastify down"']);
    } finally {
      await app.close();
    }
  });
});

test('a format without $context is refused at set-up; morgan names point to a preset', () => {
  const refused = (format: string, message: RegExp) =>
    assert.throws(
      () => expressMiddleware({ accessLog: { format } }),
      (error: unknown) => error instanceof ReplayLinkError && message.test(error.message),
    );
  refused(
    'combined',
    /"combined" is a morgan format name, not a template; the closest preset is "clf"/,
  );
  refused('tiny', /closest preset is "csv"/);
  refused('request done', /needs at least one variable/);
});
