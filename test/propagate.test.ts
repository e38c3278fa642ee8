import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http, { get as namedGet, type RequestListener } from 'node:http';
import https from 'node:https';
import { test } from 'node:test';
import express from 'express';
import { request as undiciRequest } from 'undici';
import { expressMiddleware } from '../adapters/express.js';
import { close, getContext, init, ReplayLinkError, stats } from '../src/index.js';
import { request, serve, withOutput } from './helpers.js';

const ID_HEADERS = ['x-openreplay-sessiontoken', 'br-recording-uuid', 'x-openreplay-session-id'];

/** Service B: logs one line inside its own context and echoes the id headers it got. */
function serviceB(): RequestListener {
  const app = express();
  app.use(expressMiddleware());
  app.get('/echo/:via', (req, res) => {
    console.log(`B served ${req.params.via}`);
    res.json({
      headers: Object.fromEntries(ID_HEADERS.map((h) => [h, req.headers[h] ?? null])),
      token: getContext()?.sessionToken ?? null,
    });
  });
  return app as unknown as RequestListener;
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      body += c;
    });
    res.on('end', () => resolve(body));
    res.on('error', reject);
  });
}

/** Each way service A can call out, returning the parsed JSON reply. */
const callers: Record<string, (url: string) => Promise<unknown>> = {
  fetch: async (url) => (await fetch(url)).json(),
  undici: async (url) => (await undiciRequest(url)).body.json(),
  'http.request': (url) =>
    new Promise((resolve, reject) => {
      const req = http.request(url, (res) => readBody(res).then((b) => resolve(JSON.parse(b))));
      req.on('error', reject);
      req.end();
    }),
  'http.get': (url) =>
    new Promise((resolve, reject) => {
      http
        .get(new URL(url), (res) => readBody(res).then((b) => resolve(JSON.parse(b))))
        .on('error', reject);
    }),
  // The options form, as axios and follow-redirects call it: no URL, host and port apart.
  'http.request options': (url) =>
    new Promise((resolve, reject) => {
      const { hostname, port, pathname } = new URL(url);
      const req = http.request(
        {
          protocol: 'http:',
          hostname,
          port,
          path: pathname,
          method: 'GET',
          headers: { accept: 'application/json' },
        },
        (res) => readBody(res).then((b) => resolve(JSON.parse(b))),
      );
      req.on('error', reject);
      req.end();
    }),
  'http.get host': (url) =>
    new Promise((resolve, reject) => {
      const { hostname, port, pathname } = new URL(url);
      http
        .get({ host: hostname, port: Number(port), path: pathname }, (res) =>
          readBody(res).then((b) => resolve(JSON.parse(b))),
        )
        .on('error', reject);
    }),
  'named get': (url) =>
    new Promise((resolve, reject) => {
      namedGet(url, (res) => readBody(res).then((b) => resolve(JSON.parse(b)))).on('error', reject);
    }),
};

/** Service A: calls `target` by every caller inside its request and returns the replies. */
function serviceA(target: () => string): RequestListener {
  const app = express();
  app.use(expressMiddleware());
  app.get('/fan-out', async (_req, res) => {
    const replies: Record<string, unknown> = {};
    for (const [via, call] of Object.entries(callers))
      replies[via] = await call(`${target()}/echo/${via}`);
    res.json(replies);
  });
  return app as unknown as RequestListener;
}

const A_HEADERS = {
  'x-openreplay-sessiontoken': 'tok.A.1',
  'br-recording-uuid': 'rec-a-1',
  'x-openreplay-session-id': '8812',
};

test('service A passes its session to allowlisted service B by fetch, undici and http', async () => {
  let target = '';
  await withOutput(undefined, async (output) => {
    const b = await serve(serviceB());
    const a = await serve(serviceA(() => target));
    target = b.url;
    init({ propagate: { origins: [b.url] } });
    const before = stats().propagated;
    try {
      const reply = await request(`${a.url}/fan-out`, { headers: A_HEADERS });
      const replies = JSON.parse(reply.body) as Record<string, { headers: object; token: string }>;
      for (const via of Object.keys(callers)) {
        assert.deepEqual(replies[via]?.headers, A_HEADERS, via);
        assert.equal(replies[via]?.token, 'tok.A.1', via);
      }
      assert.equal(stats().propagated - before, Object.keys(callers).length);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    const bLines = output
      .stdout()
      .split('\n')
      .filter((l) => l.includes('B served'));
    assert.equal(bLines.length, Object.keys(callers).length);
    for (const line of bLines) {
      assert.match(
        line,
        /^\[openReplaySessionToken=tok\.A\.1\] \[bugReplayRecordingUuid=rec-a-1\] \[openReplaySession\.id=8812\] B served /,
      );
    }
  });
});

test('a service off the allowlist, and calls outside a request, get no id header', async () => {
  let target = '';
  await withOutput(undefined, async () => {
    const b = await serve(serviceB());
    const c = await serve(serviceB());
    const a = await serve(serviceA(() => target));
    target = c.url;
    // B by exact origin, plus a pattern that C's origin does not match.
    init({ propagate: { origins: [b.url, new RegExp(`:${b.port}$`)] } });
    try {
      const reply = await request(`${a.url}/fan-out`, { headers: A_HEADERS });
      const replies = JSON.parse(reply.body) as Record<
        string,
        { headers: Record<string, unknown> }
      >;
      const none = Object.fromEntries(ID_HEADERS.map((h) => [h, null]));
      for (const via of Object.keys(callers)) assert.deepEqual(replies[via]?.headers, none, via);
      // Allowlisted, but outside any request: nothing to add.
      for (const [via, call] of Object.entries(callers)) {
        const direct = (await call(`${b.url}/echo/${via}`)) as { headers: object };
        assert.deepEqual(direct.headers, none, via);
      }
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });
});

test('a pattern allowlists by origin, and a header the app set itself is kept', async () => {
  await withOutput(undefined, async () => {
    const b = await serve(serviceB());
    const app = express();
    app.use(expressMiddleware());
    app.get('/', async (_req, res) => {
      const viaFetch = await (
        await fetch(`${b.url}/echo/fetch`, { headers: { 'x-openreplay-session-id': '1' } })
      ).json();
      res.json(viaFetch);
    });
    const a = await serve(app as unknown as RequestListener);
    init({ propagate: { origins: [new RegExp(`^http://127\\.0\\.0\\.1:${b.port}$`, 'g')] } });
    try {
      const reply = JSON.parse((await request(a.url, { headers: A_HEADERS })).body);
      assert.deepEqual(reply.headers, { ...A_HEADERS, 'x-openreplay-session-id': '1' });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

test('https.request and https.get carry the ids to an allowlisted https service', async () => {
  const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
  const ca = fixture('localhost-cert.pem');
  await withOutput(undefined, async () => {
    const b = https.createServer({ key: fixture('localhost-key.pem'), cert: ca }, serviceB());
    await new Promise<void>((resolve) => b.listen(0, '127.0.0.1', resolve));
    const bUrl = `https://127.0.0.1:${(b.address() as { port: number }).port}`;
    const call = (via: 'request' | 'get') =>
      new Promise<unknown>((resolve, reject) => {
        const req = https[via](`${bUrl}/echo/${via}`, { ca }, (res) =>
          readBody(res).then((body) => resolve(JSON.parse(body))),
        );
        req.on('error', reject);
        if (via === 'request') req.end();
      });
    const app = express();
    app.use(expressMiddleware());
    app.get('/', async (_req, res) => {
      res.json([await call('request'), await call('get')]);
    });
    const a = await serve(app as unknown as RequestListener);
    init({ propagate: { origins: [bUrl] } });
    try {
      const replies = JSON.parse((await request(a.url, { headers: A_HEADERS })).body);
      for (const reply of replies) assert.deepEqual(reply.headers, A_HEADERS);
    } finally {
      await a.close();
      b.closeAllConnections();
      await new Promise((resolve) => b.close(resolve));
    }
  });
});

test('a redirect from an allowlisted service to another origin does not carry the ids', async () => {
  await withOutput(undefined, async () => {
    const c = await serve(serviceB());
    const b = await serve((req, res) => {
      res
        .writeHead(302, { location: `${c.url}/echo/redirected` })
        .end(String(req.headers['x-openreplay-sessiontoken']));
    });
    const app = express();
    app.use(expressMiddleware());
    app.get('/', async (_req, res) => {
      res.json(await (await fetch(`${b.url}/hop`)).json());
    });
    const a = await serve(app as unknown as RequestListener);
    init({ propagate: { origins: [b.url] } });
    const before = stats().propagated;
    try {
      const reply = JSON.parse((await request(a.url, { headers: A_HEADERS })).body);
      assert.deepEqual(reply.headers, Object.fromEntries(ID_HEADERS.map((h) => [h, null])));
      assert.equal(stats().propagated - before, 1, 'only the hop to the allowlisted service');
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });
});

test('close() restores http.request and http.get', async () => {
  await close();
  const before = [http.request, http.get];
  init({ propagate: { origins: ['https://orders.internal'] } });
  assert.notEqual(http.request, before[0]);
  await close();
  assert.deepEqual([http.request, http.get], before);
});

test('a hostile origin list is refused at set-up', () => {
  const cases: Array<[unknown, RegExp]> = [
    [true, /"propagate" is true; expected an object/],
    [
      { origins: 'https://a.internal' },
      /"propagate.origins" is "https:\/\/a.internal"; expected a non-empty array/,
    ],
    [{ origins: [] }, /"propagate.origins" is an array/],
    [{ origins: [42] }, /"propagate.origins" is 42; expected an origin/],
    [{ origins: [{}] }, /"propagate.origins" is an object/],
    [{ origins: ['not a url'] }, /"propagate.origins" is "not a url"/],
    [{ origins: ['ftp://files.internal'] }, /"ftp:\/\/files.internal"/],
    [{ origins: ['https://a.internal/path'] }, /"https:\/\/a.internal\/path"/],
    [{ origins: ['https://user:pw@a.internal'] }, /"propagate.origins"/],
    [{ origins: ['*'] }, /"\*"/],
  ];
  for (const [propagate, message] of cases) {
    assert.throws(
      () => init({ propagate } as never),
      (error: unknown) => error instanceof ReplayLinkError && message.test(error.message),
      JSON.stringify(propagate),
    );
  }
});
