import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { after, before, describe, test } from 'node:test';
import fastifyCors from '@fastify/cors';
import cors from 'cors';
import express from 'express';
import Fastify from 'fastify';
import { expressMiddleware } from '../adapters/express.js';
import { fastifyPlugin } from '../adapters/fastify.js';
import { close, getContext, init, replaylinkHeaders } from '../src/index.js';
import { type Reply, request, type Served, serve, served } from './helpers.js';

const FRONTEND = 'https://shop.example';
const ASKED = 'content-type, x-openreplay-sessiontoken, br-recording-uuid';

const preflight = (url: string): Promise<Reply> =>
  request(url, {
    method: 'OPTIONS',
    headers: {
      origin: FRONTEND,
      'access-control-request-method': 'POST',
      'access-control-request-headers': ASKED,
    },
  });

const allowed = (reply: Reply) =>
  String(reply.headers['access-control-allow-headers'] ?? '')
    .toLowerCase()
    .split(/\s*,\s*/);

async function crossOriginPost(url: string): Promise<Reply> {
  return request(url, {
    method: 'POST',
    headers: {
      origin: FRONTEND,
      'x-openreplay-sessiontoken': 'tok.cors',
      'content-type': 'text/plain',
    },
  });
}

describe('replaylinkHeaders()', () => {
  after(() => close());

  test('lists the configured incoming header names and every name the tracker sends the token under', () => {
    init();
    assert.deepEqual(replaylinkHeaders(), [
      'x-openreplay-sessiontoken',
      'x-openreplay-session-token',
      'br-recording-uuid',
      'x-request-id',
      'x-openreplay-session-id',
    ]);
    init({ headers: { sessionToken: 'X-Session-Token' } });
    assert.deepEqual(replaylinkHeaders().slice(0, 3), [
      'x-session-token',
      'x-openreplay-sessiontoken',
      'x-openreplay-session-token',
    ]);
    init({ headers: { sessionToken: 'X-OpenReplay-Session-Token' } });
    assert.deepEqual(replaylinkHeaders().slice(0, 3), [
      'x-openreplay-session-token',
      'x-openreplay-sessiontoken',
      'br-recording-uuid',
    ]);
    init();
  });
});

describe('a real preflight from a cross-origin frontend', () => {
  before(() => init());
  after(() => close());

  test('Express + cors({ allowedHeaders }) allows the id headers, then the request sees them', async () => {
    const app = express();
    app.use(cors({ origin: FRONTEND, allowedHeaders: ['content-type', ...replaylinkHeaders()] }));
    app.use(expressMiddleware());
    app.post('/orders', (_req, res) => {
      res.send(getContext()?.sessionToken ?? 'none');
    });
    const server: Served = await serve(app as unknown as RequestListener);
    try {
      const reply = await preflight(`${server.url}/orders`);
      assert.equal(reply.status, 204);
      assert.equal(reply.headers['access-control-allow-origin'], FRONTEND);
      for (const name of ASKED.split(', ')) assert.ok(allowed(reply).includes(name), name);
      const post = await crossOriginPost(`${server.url}/orders`);
      assert.equal(post.body, 'tok.cors');
      assert.equal(post.headers['access-control-allow-origin'], FRONTEND);
    } finally {
      await server.close();
    }
  });

  test('Fastify + @fastify/cors allows the id headers, then the request sees them', async () => {
    const app = Fastify();
    await app.register(fastifyCors, {
      origin: FRONTEND,
      allowedHeaders: ['content-type', ...replaylinkHeaders()],
    });
    await app.register(fastifyPlugin);
    app.post('/orders', async () => getContext()?.sessionToken ?? 'none');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const server = served(app.server, () => app.close());
    try {
      const reply = await preflight(`${server.url}/orders`);
      assert.equal(reply.status, 204);
      assert.equal(reply.headers['access-control-allow-origin'], FRONTEND);
      for (const name of ASKED.split(', ')) assert.ok(allowed(reply).includes(name), name);
      const post = await crossOriginPost(`${server.url}/orders`);
      assert.equal(post.body, 'tok.cors');
    } finally {
      await server.close();
    }
  });

  test('a renamed id header is the one replaylinkHeaders() lists, so the preflight allows it', async () => {
    init({ headers: { sessionToken: 'X-Session-Token' } });
    try {
      const app = express();
      app.use(cors({ origin: FRONTEND, allowedHeaders: replaylinkHeaders() }));
      app.use(expressMiddleware());
      app.post('/orders', (_req, res) => {
        res.send(getContext()?.sessionToken ?? 'none');
      });
      const server = await serve(app as unknown as RequestListener);
      try {
        const reply = await request(`${server.url}/orders`, {
          method: 'OPTIONS',
          headers: {
            origin: FRONTEND,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'x-session-token',
          },
        });
        assert.ok(allowed(reply).includes('x-session-token'), String(allowed(reply)));
        // The tracker's own names stay read (and listed) after the configured one.
        assert.deepEqual(
          allowed(reply).filter((name) => name.includes('token')),
          ['x-session-token', 'x-openreplay-sessiontoken', 'x-openreplay-session-token'],
        );
        const post = await request(`${server.url}/orders`, {
          method: 'POST',
          headers: { origin: FRONTEND, 'x-session-token': 'tok.renamed' },
        });
        assert.equal(post.body, 'tok.renamed');
      } finally {
        await server.close();
      }
    } finally {
      init();
    }
  });
});
