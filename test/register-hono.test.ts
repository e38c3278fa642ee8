import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { canLoad } from '../adapters/register/frameworks.js';
import { observeHono } from '../adapters/register/hono.js';
import {
  anyRoute,
  attachFrameworkRequest,
  createRequestScope,
  flush,
  honoRoute,
} from '../src/index.js';
import { request, serve, useReceiver, withOutput } from './helpers.js';

// What replaylink/register does to Hono, in process: the real Hono on the real
// @hono/node-server listener, each request entered as register enters it (the route read
// by anyRoute), errors seen by the observed error handler and forwarded to a receiver.

const KEY = 'sk_hono_key';
const receiver = useReceiver(KEY);
const require = createRequire(import.meta.url);

type App = {
  get(path: string, handler: (c: unknown) => unknown): unknown;
  route(path: string, app: unknown): unknown;
  basePath(path: string): App;
  onError(handler: (error: Error & { status?: number }, c: HonoContext) => unknown): unknown;
  fetch: (request: Request, env?: unknown) => unknown;
  errorHandler: unknown;
};
type HonoContext = { text(body: string, status?: number): unknown };

/** A copy of Hono's exports with `Hono` observed, so the real module is left as it was. */
function observedHono(): { Hono: new () => App; exports: Record<string, unknown> } {
  const exports = { ...(require('hono') as Record<string, unknown>) };
  observeHono(exports);
  return { Hono: exports.Hono as new () => App, exports };
}

const { HTTPException } = require('hono/http-exception') as {
  HTTPException: new (status: number, options?: { message?: string }) => Error;
};
const { getRequestListener } = require('@hono/node-server') as {
  getRequestListener(fetch: App['fetch']): (req: IncomingMessage, res: unknown) => unknown;
};

const recorded = { 'br-recording-uuid': 'rec-hono' };
const exceptions = () => receiver.events.filter((event) => event.type === 'exception');

/** Serves `app` through @hono/node-server, each request in its replaylink context. */
async function served(app: App, fn: (url: string) => Promise<void>): Promise<void> {
  await withOutput({ apiKey: KEY, endpoint: receiver.url }, async () => {
    const listener = getRequestListener(app.fetch);
    const enter = createRequestScope({ routeOf: anyRoute });
    const server = await serve((req, res) => enter(req, res, () => listener(req, res)));
    try {
      await fn(server.url);
      await flush();
    } finally {
      await server.close();
    }
  });
}

test("Hono's default handler: the error is forwarded once with its route, the answer unchanged", async () => {
  const { Hono } = observedHono();
  const app = new Hono();
  app.get('/fail/:id', () => {
    throw new Error('hono broke');
  });
  await served(app, async (url) => {
    const reply = await request(`${url}/fail/1`, { headers: recorded });
    assert.deepEqual([reply.status, reply.body], [500, 'Internal Server Error']);
  });
  const [event, ...rest] = exceptions();
  assert.equal(rest.length, 0);
  assert.equal(event?.uuid, 'rec-hono');
  assert.equal(JSON.parse(event?.metadata ?? '{}').route, '/fail/:id');
});

test('onError: its answer stands; an HTTPException with a 4xx status is not forwarded', async () => {
  const { Hono } = observedHono();
  const app = new Hono();
  app.get('/denied', () => {
    throw new HTTPException(401, { message: 'who are you' });
  });
  app.get('/broken', () => {
    throw new Error('own handler broke');
  });
  app.onError((error, c) => c.text(`handled ${error.message}`, error.status ?? 502));
  await served(app, async (url) => {
    const denied = await request(`${url}/denied`, { headers: recorded });
    const broken = await request(`${url}/broken`, { headers: recorded });
    assert.deepEqual([denied.status, denied.body], [401, 'handled who are you']);
    assert.deepEqual([broken.status, broken.body], [502, 'handled own handler broke']);
  });
  assert.deepEqual(
    exceptions().map((event) => JSON.parse(event.metadata ?? '{}').route),
    ['/broken'],
  );
});

test("a basePath() clone mounted with route() still sends its errors to the parent's onError", async () => {
  const { Hono } = observedHono();
  const parent = new Hono();
  const child = new Hono().basePath('/v1');
  child.get('/fail', () => {
    throw new Error('child broke');
  });
  parent.route('/api', child);
  parent.onError((error, c) => c.text(`parent ${error.message}`, 503));
  // The clone keeps the observed default as its own property after route() is done.
  assert.equal(typeof child.errorHandler, 'function');
  await served(parent, async (url) => {
    const reply = await request(`${url}/api/v1/fail`, { headers: recorded });
    assert.deepEqual([reply.status, reply.body], [503, 'parent child broke']);
  });
  assert.equal(exceptions().length, 1);
});

test('observing is idempotent and leaves anything unlike Hono alone', () => {
  const { Hono, exports } = observedHono();
  observeHono(exports);
  assert.equal(exports.Hono, Hono);
  assert.equal(Hono.name, 'Hono');
  const unlike = { Hono: class {} };
  observeHono(unlike);
  assert.equal(unlike.Hono.name, 'Hono');
  assert.equal(Object.getPrototypeOf(unlike.Hono), Function.prototype);
  const empty = {};
  observeHono(empty);
  assert.deepEqual(empty, {});
  // Exports that throw when read are left alone too, without a throw.
  const hostile = {
    get Hono(): never {
      throw new Error('not readable');
    },
  };
  assert.doesNotThrow(() => observeHono(hostile));
  // A value that is not a handler is kept as it is, without a throw.
  const app = new Hono();
  app.errorHandler = 'not a function';
  assert.equal(app.errorHandler, 'not a function');
});

test('honoRoute reads the Hono context attached to the raw request, and never throws', () => {
  const req = {} as IncomingMessage;
  assert.equal(honoRoute(req), undefined);
  attachFrameworkRequest(req, { req: { routePath: '/orders/:id' } });
  assert.equal(honoRoute(req), '/orders/:id');
  const throwing = {
    req: {
      get routePath(): string {
        throw new TypeError('no match yet');
      },
    },
  };
  assert.equal(honoRoute(req, throwing), undefined);
  assert.equal(honoRoute(req, { req: { routePath: 42 } }), undefined);
});

test('the ESM loader is only considered for a package the application can load', () => {
  assert.equal(canLoad('hono'), true);
  assert.equal(canLoad('no-such-package-replaylink-test'), false);
});
