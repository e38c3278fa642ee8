import assert from 'node:assert/strict';
import http, { type RequestListener } from 'node:http';
import { after, afterEach, describe, test } from 'node:test';
import express from 'express';
import { state } from '../src/core/state.js';
import { close, init, liveSessionsApi, ReplayLinkError, stats } from '../src/index.js';
import { liveRegistry } from '../src/sessions/lifecycle.js';
import { request, type Served, serve } from './helpers.js';
import { API_KEY, api, liveApp, PROJECT, UA, visit, visitorHeaders } from './live-helpers.js';

const servers: Served[] = [];
async function start(app: RequestListener): Promise<Served> {
  const server = await serve(app);
  servers.push(server);
  return server;
}
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  await close();
});
after(() => close());

const sessionsUrl = (base: string, project = PROJECT) =>
  `${base}/api/v1/${project}/assist/sessions`;

describe('mounting', () => {
  test('refuses to mount without an API key, naming the option', () => {
    for (const options of [{}, { apiKey: '' }, { apiKey: 42 }, undefined]) {
      assert.throws(
        () => liveSessionsApi(options as never),
        (error: unknown) =>
          error instanceof ReplayLinkError &&
          error.code === 'ERR_REPLAYLINK_INVALID_OPTION' &&
          /"apiKey"/.test(error.message) &&
          /refuses to mount/.test(error.message),
      );
    }
  });

  test('passes paths it does not own to next(); 404 without a next', async () => {
    init({ liveSessions: { projectKey: PROJECT } });
    const app = express();
    app.use(liveSessionsApi({ apiKey: API_KEY }));
    app.get('/api/v1/web-app/other', (_req, res) => {
      res.send('app route');
    });
    const server = await start(app as unknown as RequestListener);
    const other = await request(`${server.url}/api/v1/web-app/other`);
    assert.deepEqual([other.status, other.body], [200, 'app route']);
    const plain = await start(liveSessionsApi({ apiKey: API_KEY }) as RequestListener);
    const none = await request(`${plain.url}/nothing`);
    assert.equal(none.status, 404);
  });
});

describe('auth and project', () => {
  test('401 {"errors":["Invalid API Key"]} for a missing or wrong key; raw and Bearer accepted', async () => {
    init({ liveSessions: { projectKey: PROJECT } });
    const server = await start(liveSessionsApi({ apiKey: API_KEY }) as RequestListener);
    const cases: Array<[Record<string, string>, number]> = [
      [{}, 401],
      [{ authorization: '' }, 401],
      [{ authorization: 'wrong' }, 401],
      [{ authorization: `${API_KEY}x` }, 401],
      [{ authorization: API_KEY.slice(0, -1) }, 401],
      [{ authorization: `Bearer ${API_KEY.toUpperCase()}` }, 401],
      [{ authorization: `Basic ${API_KEY}` }, 401],
      [{ authorization: API_KEY }, 200],
      [{ authorization: `Bearer ${API_KEY}` }, 200],
      [{ authorization: `bearer ${API_KEY}` }, 200],
    ];
    for (const [headers, status] of cases) {
      const reply = await request(sessionsUrl(server.url), { headers });
      assert.equal(reply.status, status, JSON.stringify(headers));
      if (status === 401) assert.equal(reply.body, '{"errors":["Invalid API Key"]}');
      else assert.equal(reply.body, '{"data":{"total":0,"sessions":[]}}');
    }
  });

  test('404 {"errors":["project not found."]} for another project key, after auth', async () => {
    init({ liveSessions: { projectKey: PROJECT } });
    const server = await start(liveSessionsApi({ apiKey: API_KEY }) as RequestListener);
    const other = await request(sessionsUrl(server.url, 'other-app'), {
      headers: { authorization: API_KEY },
    });
    assert.equal(other.status, 404);
    assert.equal(other.body, '{"errors":["project not found."]}');
    const unauthenticated = await request(sessionsUrl(server.url, 'other-app'));
    assert.equal(unauthenticated.status, 401);
  });

  test('404 project not found when live sessions are not enabled', async () => {
    init();
    const server = await start(liveSessionsApi({ apiKey: API_KEY }) as RequestListener);
    const reply = await request(sessionsUrl(server.url), { headers: { authorization: API_KEY } });
    assert.equal(reply.status, 404);
    assert.equal(reply.body, '{"errors":["project not found."]}');
  });

  test('405 with Allow for other methods', async () => {
    init({ liveSessions: { projectKey: PROJECT } });
    const server = await start(liveSessionsApi({ apiKey: API_KEY }) as RequestListener);
    const reply = await request(sessionsUrl(server.url), {
      method: 'DELETE',
      headers: { authorization: API_KEY },
    });
    assert.equal(reply.status, 405);
    assert.equal(reply.headers.allow, 'GET, POST');
  });
});

describe('bodies', () => {
  function postChunked(url: string, chunks: number, size: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.request(url, {
        method: 'POST',
        headers: { authorization: API_KEY, 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(size, 0x20);
      for (let i = 0; i < chunks; i++) req.write(chunk);
      req.end();
    });
  }

  test('a 1 MB body is refused with 413, with or without Content-Length, and the app keeps serving', async () => {
    init({ liveSessions: { projectKey: PROJECT } });
    const server = await start(liveSessionsApi({ apiKey: API_KEY }) as RequestListener);
    const big = JSON.stringify({ filters: [], pad: 'x'.repeat(1024 * 1024) });
    const sized = await request(sessionsUrl(server.url), {
      method: 'POST',
      headers: { authorization: API_KEY, 'content-length': String(Buffer.byteLength(big)) },
      body: big,
    });
    assert.equal(sized.status, 413);
    assert.deepEqual(JSON.parse(sized.body), { errors: ['body: larger than 65536 bytes'] });
    assert.equal(await postChunked(sessionsUrl(server.url), 16, 64 * 1024), 413);
    const after = await api(server.url, '', 'POST', { limit: 5 });
    assert.equal(after.status, 200);
  });

  test('a body already parsed by express.json() is used as is', async () => {
    const live = liveApp();
    const app = express();
    app.use(express.json());
    app.use(live.app as never);
    const server = await start(app as unknown as RequestListener);
    await visit(server.url, live, [
      { label: 'a', token: 'tok-json', ua: UA.firefoxMac, user: 'u@x' },
    ]);
    const reply = await api(server.url, '', 'POST', {
      filters: [{ type: 'USERID', value: ['u@x'] }],
    });
    assert.equal(reply.status, 200, reply.body);
    assert.equal((JSON.parse(reply.body) as { data: { total: number } }).data.total, 1);
  });
});

describe('hostile input from the application and the browser', () => {
  test('prototype-polluting and oversized metadata is refused or capped', async () => {
    const live = liveApp({
      identify: () => 'u'.repeat(10_000),
      metadata: () => {
        const evil = JSON.parse(
          '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":"p"}',
        ) as Record<string, unknown>;
        const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, `v${i}`]));
        return { ...evil, plan: 'trial', big: 'x'.repeat(100_000), nested: { a: 1 }, ...many };
      },
    });
    const server = await start(live.app);
    await visit(server.url, live, [{ label: 'a', token: 'tok-evil', ua: UA.chromeWindows }]);
    const reply = await api(server.url);
    const session = (
      JSON.parse(reply.body) as { data: { sessions: Array<Record<string, unknown>> } }
    ).data.sessions[0]!;
    const metadata = session.metadata as Record<string, string>;
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(metadata), Object.prototype); // a plain JSON object
    for (const key of ['__proto__', 'constructor', 'prototype', 'nested'])
      assert.ok(!Object.hasOwn(metadata, key), key);
    assert.equal(metadata.plan, 'trial');
    assert.equal(metadata.big?.length, 256);
    assert.ok(Object.keys(metadata).length <= 20);
    assert.equal((session.userID as string).length, 256);
    assert.ok(stats().liveSessions.capped >= 4);
  });

  test('a callback that throws is counted; the request is served', async () => {
    const live = liveApp({
      identify: () => {
        throw new Error('no user');
      },
    });
    const server = await start(live.app);
    await visit(server.url, live, [{ label: 'a', token: 'tok-throw', ua: UA.chromeWindows }]);
    assert.equal(stats().liveSessions.callbackErrors, 1);
    const reply = await api(server.url);
    assert.equal((JSON.parse(reply.body) as { data: { total: number } }).data.total, 1);
  });

  test('invalid id headers register nothing; no token appears in any response', async () => {
    const live = liveApp();
    const server = await start(live.app);
    const tokens = ['tok-one.1', 'tok-two.2'];
    await visit(
      server.url,
      live,
      tokens.map((token, i) => ({ label: `v${i}`, token, ua: UA.firefoxMac })),
    );
    const bad = await request(`${server.url}/page`, {
      headers: {
        ...visitorHeaders({ label: 'x', ua: UA.firefoxMac }),
        'x-openreplay-sessiontoken': 'has space',
      },
    });
    assert.equal(bad.status, 200);
    const bodies = [
      (await api(server.url)).body,
      (await api(server.url, '', 'POST', { filters: [{ type: 'sessionID', value: ['tok'] }] }))
        .body,
      (
        await request(`${server.url}/api/v1/${PROJECT}/assist/autocomplete?key=sessionID&q=`, {
          headers: { authorization: API_KEY },
        })
      ).body,
    ];
    assert.equal((JSON.parse(bodies[0]!) as { data: { total: number } }).data.total, 2);
    for (const body of bodies) for (const token of tokens) assert.ok(!body.includes(token), body);
    assert.equal((JSON.parse(bodies[1]!) as { data: { total: number } }).data.total, 0);
  });
});

describe('lifecycle', () => {
  test('init again replaces the registry and its observer; close() removes both', async () => {
    const observers = state.observers.length;
    init({ liveSessions: { projectKey: PROJECT } });
    const first = liveRegistry().current;
    init({ liveSessions: { projectKey: 'second-app' } });
    assert.notEqual(liveRegistry().current, first);
    assert.equal(liveRegistry().current?.options.projectKey, 'second-app');
    assert.equal(state.observers.length, observers + 1);
    init();
    assert.equal(liveRegistry().current, undefined);
    assert.equal(state.observers.length, observers);
    init({ liveSessions: { projectKey: PROJECT } });
    await close();
    assert.equal(liveRegistry().current, undefined);
    assert.equal(state.observers.length, observers);
  });
});

describe('listing', () => {
  const many = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      label: `v${i}`,
      token: `tok.${i}`,
      ua: UA.edgeWindows,
    }));
  const total = async (url: string, method = 'GET', body?: unknown) => {
    const reply = await api(url, '', method, body);
    assert.equal(reply.status, 200, reply.body);
    return (JSON.parse(reply.body) as { data: { total: number; sessions: unknown[] } }).data;
  };

  test('a plain GET returns every live session; POST keeps its pages of 200', async () => {
    const live = liveApp();
    const server = await start(live.app);
    await visit(server.url, live, many(250));
    const all = await total(server.url);
    assert.equal(all.total, 250);
    assert.equal(all.sessions.length, 250);
    const first = await total(server.url, 'POST', {});
    assert.equal(first.total, 250);
    assert.equal(first.sessions.length, 200);
    assert.equal((await total(server.url, 'POST', { page: 2 })).sessions.length, 50);
  });

  test('a plain GET is bounded by maxSessions', async () => {
    const live = liveApp({ maxSessions: 30 });
    const server = await start(live.app);
    await visit(server.url, live, many(40));
    const all = await total(server.url);
    assert.equal(all.total, 30);
    assert.equal(all.sessions.length, 30);
  });
});
