import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { delay, freePort, request, useReceiver } from './helpers.js';
import { findService, REDIS, startRedis, stopRedis, waitFor } from './services.js';

// Real apps with no replaylink import, started in child processes with
// `--import`/`--require replaylink/register` and REPLAYLINK_* pointing at a local receiver.

const KEY = 'sk_register_key';
const receiver = useReceiver(KEY);
const root = fileURLToPath(new URL('..', import.meta.url));
const modules = join(root, 'node_modules');

// The packages the apps load by name. Express 4 and Koa 2 are installed here under other
// names (express4, koa2): an app gets a copy under the real name, as users install them.
const LINKED = [
  '@koa/router',
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-express',
  '@nestjs/platform-fastify',
  'reflect-metadata',
  'rxjs',
  'hono',
  '@hono/node-server',
];
const MAJORS = {
  latest: { express: 'express', koa: 'koa', fastify: 'fastify' },
  previous: { express: 'express4', koa: 'koa2', fastify: 'fastify4' },
} as const;
type Majors = keyof typeof MAJORS;

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A directory holding the fixture apps, with the frameworks of `majors` installed. */
async function appDir(majors: Majors): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'replaylink-register-'));
  dirs.push(dir);
  cpSync(join(root, 'test/fixtures/register'), dir, { recursive: true });
  const link = async (name: string, target: string) => {
    await mkdir(dirname(join(dir, 'node_modules', name)), { recursive: true });
    symlinkSync(target, join(dir, 'node_modules', name), 'dir');
  };
  await link('replaylink', root);
  for (const name of LINKED) await link(name, join(modules, name));
  for (const [name, installed] of Object.entries(MAJORS[majors])) {
    if (name === installed || name === 'fastify') await link(name, join(modules, installed));
    else cpSync(join(modules, installed), join(dir, 'node_modules', name), { recursive: true });
  }
  return dir;
}

const appDirs = new Map<Majors, Promise<string>>();
const dirFor = (majors: Majors) => {
  let dir = appDirs.get(majors);
  if (dir === undefined) {
    dir = appDir(majors);
    appDirs.set(majors, dir);
  }
  return dir;
};

interface Run {
  port: number;
  /** Every port the app printed. */
  ports: number[];
  url: string;
  /** Ends the app (stdin closed: it closes its server) and resolves with its output. */
  stop(): Promise<{ stdout: string; stderr: string; code: number | null }>;
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith('REPLAYLINK_') && name !== 'NODE_OPTIONS') env[name] = value;
  // The copies of Express 4 and Koa 2 find their own dependencies here.
  return { ...env, NODE_PATH: modules, ...extra };
}

/** Starts `app` of the fixtures with `node <flag> replaylink/register`. */
async function run(options: {
  app: string;
  format: 'esm' | 'cjs';
  flag?: '--import' | '--require';
  env?: Record<string, string>;
  majors?: Majors;
  args?: string[];
  /** Another fixture than app.mjs / app.cjs. */
  file?: string;
  /** More Node flags before the fixture. */
  preload?: string[];
}): Promise<Run> {
  const cwd = await dirFor(options.majors ?? 'latest');
  const flag = options.flag ?? (options.format === 'esm' ? '--import' : '--require');
  const file = options.file ?? (options.format === 'esm' ? 'app.mjs' : 'app.cjs');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      flag,
      'replaylink/register',
      ...(options.preload ?? []),
      file,
      options.app,
      ...(options.args ?? []),
    ],
    { cwd, env: cleanEnv(options.env ?? {}), stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  // An app that crashed has closed its stdin before stop() ends it.
  child.stdin!.on('error', () => {});
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const ports = await new Promise<number[]>((resolve, reject) => {
    const check = () => {
      const found = /listening ([\d ]+)\n/.exec(stdout);
      if (found) resolve(found[1]!.split(' ').map(Number));
    };
    child.stdout!.on('data', check);
    exited.then(([code]) => reject(new Error(`app exited (${code}) before listening:\n${stderr}`)));
  });
  const port = ports[0]!;
  return {
    port,
    ports,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.stdin!.end();
      const [code] = await exited;
      clearTimeout(killer);
      return { stdout, stderr, code };
    },
  };
}

const forwarding = () => ({ REPLAYLINK_API_KEY: KEY, REPLAYLINK_ENDPOINT: receiver.url });
const recorded = (n: number) => ({
  'x-openreplay-sessiontoken': `tok-${n}`,
  'br-recording-uuid': `rec-${n}`,
});
const exceptions = () => receiver.events.filter((event) => event.type === 'exception');
const linesOf = (output: string, text: string) =>
  output.split('\n').filter((line) => line.includes(text));

const APPS = [
  { app: 'http', route: undefined },
  { app: 'express', route: '/fail/:id' },
  { app: 'koa', route: '/fail/:id' },
  { app: 'fastify', route: '/fail/:id' },
  { app: 'nest-express', route: '/fail/:id' },
  { app: 'nest-fastify', route: '/fail/:id' },
  { app: 'hono', route: '/fail/:id' },
] as const;

/** Errors the register hooks capture without code: the frameworks with error hooks. */
const CAPTURES = new Set(['express', 'koa', 'fastify', 'nest-express', 'nest-fastify', 'hono']);

before(() => dirFor('latest'));

for (const { app, route } of APPS) {
  for (const format of ['esm', 'cjs'] as const) {
    describe(`${app} (${format}) through replaylink/register`, () => {
      test('stamps each line of a recorded request once, leaves other requests alone, forwards its 5xx once', async () => {
        const started = await run({ app, format, env: forwarding() });
        const ok = await request(`${started.url}/hello/1`, { headers: recorded(1) });
        const plain = await request(`${started.url}/hello/2`);
        const failed = await request(`${started.url}/fail/3`, { headers: recorded(3) });
        const { stdout, stderr, code } = await started.stop();
        assert.equal(code, 0, stderr);
        assert.deepEqual([ok.status, plain.status, failed.status], [200, 200, 500]);
        const tag = '[openReplaySessionToken=tok-1] [bugReplayRecordingUuid=rec-1] ';
        assert.deepEqual(linesOf(stdout, 'hello 1'), [
          `${tag}hello 1 first`,
          `${tag}hello 1 second`,
        ]);
        assert.deepEqual(linesOf(stdout, 'hello 2'), ['hello 2 first', 'hello 2 second']);
        const events = exceptions();
        if (!CAPTURES.has(app)) {
          assert.equal(events.length, 0);
          return;
        }
        assert.equal(events.length, 1, JSON.stringify(events));
        const [event] = events;
        assert.equal(event?.uuid, 'rec-3');
        assert.match(event?.title ?? '', /boom 3/);
        const metadata = JSON.parse(event?.metadata ?? '{}');
        assert.deepEqual([metadata.status, metadata.route], [500, route]);
      });
    });
  }
}

describe('Hono sub-apps and onError through replaylink/register', () => {
  for (const format of ['esm', 'cjs'] as const) {
    test(`(${format}) a sub-app's error still reaches the parent's onError, and a 5xx is forwarded once with its route`, async () => {
      const started = await run({ app: 'hono-routes', format, env: forwarding() });
      const failed = await request(`${started.url}/sub/fail/3`, { headers: recorded(3) });
      const denied = await request(`${started.url}/sub/denied/4`, { headers: recorded(4) });
      const { stderr, code } = await started.stop();
      assert.equal(code, 0, stderr);
      assert.deepEqual([failed.status, failed.body], [503, 'parent boom 3']);
      assert.deepEqual([denied.status, denied.body], [403, 'parent denied']);
      const [event, ...rest] = exceptions();
      assert.equal(rest.length, 0, JSON.stringify(rest));
      assert.equal(event?.uuid, 'rec-3');
      assert.equal(JSON.parse(event?.metadata ?? '{}').route, '/sub/fail/:id');
    });
  }
});

describe('a bare node:http listener that throws, through replaylink/register', () => {
  const cases = [
    { format: 'esm', path: '/fail/5', kind: 'a synchronous throw' },
    { format: 'cjs', path: '/fail/5', kind: 'a synchronous throw' },
    { format: 'esm', path: '/reject/5', kind: 'a rejected promise' },
  ] as const;
  for (const { format, path, kind } of cases) {
    test(`(${format}) ${kind} is forwarded with its request; Node still reports it and exits as it would`, async () => {
      const started = await run({ app: 'http-throws', format, env: forwarding() });
      await request(`${started.url}${path}`, { headers: recorded(5) }).catch(() => undefined);
      const { stderr, code } = await started.stop();
      assert.equal(code, 1, stderr);
      const tag = '[openReplaySessionToken=tok-5] [bugReplayRecordingUuid=rec-5] ';
      assert.ok(stderr.includes(`${tag}uncaught Error: boom 5\n`), stderr);
      // Node's own report still points at the line of the app that threw.
      assert.match(stderr, /apps\.cjs:\d+\n.*throw new Error\(`boom/, stderr);
      await waitFor('the forwarded exception', () => exceptions().length > 0);
      const [event, ...rest] = exceptions();
      assert.equal(rest.length, 0, JSON.stringify(rest));
      assert.equal(event?.uuid, 'rec-5');
      assert.match(event?.title ?? '', /boom 5/);
    });
  }
});

describe('previous framework majors through replaylink/register', () => {
  for (const app of ['express', 'koa', 'fastify'] as const) {
    for (const format of ['esm', 'cjs'] as const) {
      test(`${MAJORS.previous[app]} (${format}) stamps once and forwards its 5xx with the route`, async () => {
        const started = await run({ app, format, env: forwarding(), majors: 'previous' });
        await request(`${started.url}/hello/1`, { headers: recorded(1) });
        const failed = await request(`${started.url}/fail/3`, { headers: recorded(3) });
        const { stdout, stderr, code } = await started.stop();
        assert.equal(code, 0, stderr);
        assert.equal(failed.status, 500);
        assert.equal(linesOf(stdout, 'openReplaySessionToken=tok-1] [bug').length, 2, stdout);
        const [event, ...rest] = exceptions();
        assert.equal(rest.length, 0);
        assert.equal(JSON.parse(event?.metadata ?? '{}').route, '/fail/:id');
      });
    }
  }
});

/** A GET over HTTP/2 (cleartext or TLS) with `headers`; resolves with the body. */
async function h2get(url: string, path: string, headers: Record<string, string>): Promise<string> {
  const session = http2.connect(url, { rejectUnauthorized: false });
  try {
    const stream = session.request({ ':path': path, ...headers });
    stream.setEncoding('utf8');
    let body = '';
    stream.on('data', (d: string) => {
      body += d;
    });
    await once(stream, 'end');
    return body;
  } finally {
    session.close();
  }
}

function httpsGet(url: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { headers, rejectUnauthorized: false, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

describe('node:https and node:http2 servers through replaylink/register', () => {
  test('every kind of server runs its handler in the request context, over HTTP/1.1 and HTTP/2', async () => {
    const started = await run({
      app: join(root, 'test/fixtures'),
      format: 'esm',
      file: 'servers.mjs',
    });
    const [tlsPort, h2cPort, h2Port] = started.ports;
    const headers = (n: number) => ({ 'x-openreplay-sessiontoken': `tok-${n}` });
    assert.equal(await httpsGet(`https://127.0.0.1:${tlsPort}/a`, headers(1)), 'ok');
    assert.equal(await h2get(`http://127.0.0.1:${h2cPort}`, '/b', headers(2)), 'ok');
    assert.equal(await h2get(`https://127.0.0.1:${h2Port}`, '/c', headers(3)), 'ok');
    assert.equal(await httpsGet(`https://127.0.0.1:${h2Port}/d`, headers(4)), 'ok');
    assert.equal(await httpsGet(`https://127.0.0.1:${tlsPort}/e`, {}), 'ok');
    const { stdout, code, stderr } = await started.stop();
    assert.equal(code, 0, stderr);
    const lines = stdout.split('\n').filter((line) => / \/[a-e]/.test(line));
    assert.deepEqual(lines.sort(), [
      '[openReplaySessionToken=tok-1] first /a over 1.1',
      '[openReplaySessionToken=tok-1] second /a',
      '[openReplaySessionToken=tok-2] first /b over 2.0',
      '[openReplaySessionToken=tok-2] second /b',
      '[openReplaySessionToken=tok-3] first /c over 2.0',
      '[openReplaySessionToken=tok-3] second /c',
      '[openReplaySessionToken=tok-4] first /d over 1.1',
      '[openReplaySessionToken=tok-4] second /d',
      'first /e over 1.1',
      'second /e',
    ]);
  });
});

describe('replaylink/register configuration', () => {
  test('with no REPLAYLINK_* variable it still stamps, prints nothing of its own and forwards nothing', async () => {
    const started = await run({ app: 'express', format: 'esm' });
    await request(`${started.url}/hello/1`, { headers: recorded(1) });
    await request(`${started.url}/fail/3`, { headers: recorded(3) });
    const { stdout, stderr, code } = await started.stop();
    assert.equal(code, 0);
    assert.equal(linesOf(stdout, '[openReplaySessionToken=tok-1]').length, 2);
    assert.doesNotMatch(stderr, /^replaylink:/m);
    assert.equal(receiver.events.length, 0);
  });

  test('a mistyped or bad variable is one line naming it (and the closest valid name); the app starts', async () => {
    const started = await run({
      app: 'http',
      format: 'cjs',
      env: { REPLAYLINK_ENDPIONT: receiver.url, REPLAYLINK_STAMP: 'maybe' },
    });
    const reply = await request(`${started.url}/hello/1`, { headers: recorded(1) });
    const { stdout, stderr } = await started.stop();
    assert.equal(reply.status, 200);
    assert.deepEqual(stderr.trim().split('\n'), [
      'replaylink: REPLAYLINK_ENDPIONT is not a replaylink variable; did you mean REPLAYLINK_ENDPOINT? (ignored)',
      'replaylink: REPLAYLINK_STAMP is "maybe"; expected true or false (also 1/0, yes/no, on/off); the variable is ignored',
    ]);
    // The refused variable is left out: stamping keeps its default.
    assert.equal(linesOf(stdout, '[openReplaySessionToken=tok-1]').length, 2);
  });

  test('loaded by both flags (both builds), it starts once and says each problem once', async () => {
    const started = await run({
      app: 'express',
      format: 'esm',
      flag: '--require',
      preload: ['--import', 'replaylink/register'],
      env: { ...forwarding(), REPLAYLINK_ENDPIONT: 'x' },
    });
    await request(`${started.url}/hello/1`, { headers: recorded(1) });
    await request(`${started.url}/fail/3`, { headers: recorded(3) });
    const { stdout, stderr } = await started.stop();
    assert.equal(stderr.match(/REPLAYLINK_ENDPIONT/g)?.length, 1, stderr);
    assert.equal(linesOf(stdout, '[openReplaySessionToken=tok-1] [bug').length, 2);
    assert.equal(exceptions().length, 1);
  });

  test('a refused endpoint keeps the key from going anywhere else, and says so', async () => {
    const started = await run({
      app: 'express',
      format: 'cjs',
      env: { REPLAYLINK_API_KEY: KEY, REPLAYLINK_ENDPOINT: 'ftp://example.com/send' },
    });
    await request(`${started.url}/fail/3`, { headers: recorded(3) });
    const { stderr } = await started.stop();
    assert.match(stderr, /REPLAYLINK_ENDPOINT is "ftp:\/\/example.com\/send"; expected an http/);
    assert.match(stderr, /REPLAYLINK_API_KEY is not used/);
    assert.doesNotMatch(stderr, new RegExp(KEY));
  });

  test('REPLAYLINK_ACCESS_LOG writes one line per request, with its route and ids, where it is told', async () => {
    const started = await run({
      app: 'koa',
      format: 'esm',
      env: {
        REPLAYLINK_ACCESS_LOG:
          'access $context.routeKey $context.status $context.openReplaySessionToken',
        REPLAYLINK_ACCESS_LOG_DESTINATION: 'stderr',
      },
    });
    await request(`${started.url}/hello/1`, { headers: recorded(1) });
    await request(`${started.url}/fail/3`);
    const { stderr } = await started.stop();
    assert.deepEqual(linesOf(stderr, 'access '), [
      'access GET /hello/:id 200 tok-1',
      'access GET /fail/:id 500 -',
    ]);
  });

  test("the adapter's shouldForward decides for the register's hooks as well", async () => {
    const started = await run({
      app: 'express',
      format: 'esm',
      args: ['quiet'],
      env: forwarding(),
    });
    const failed = await request(`${started.url}/fail/3`, { headers: recorded(3) });
    const { code, stderr } = await started.stop();
    assert.equal(code, 0, stderr);
    assert.equal(failed.status, 500);
    assert.equal(receiver.events.length, 0);
  });

  for (const app of ['express', 'koa', 'fastify', 'nest-express', 'nest-fastify']) {
    test(`--require with an ESM ${app} app that mounts its adapter too: stamped once, forwarded once`, async () => {
      const started = await run({
        app,
        format: 'esm',
        flag: '--require',
        args: ['adapter'],
        env: forwarding(),
      });
      await request(`${started.url}/hello/1`, { headers: recorded(1) });
      await request(`${started.url}/fail/3`, { headers: recorded(3) });
      const { stdout, code, stderr } = await started.stop();
      assert.equal(code, 0, stderr);
      assert.deepEqual(linesOf(stdout, 'hello 1'), [
        '[openReplaySessionToken=tok-1] [bugReplayRecordingUuid=rec-1] hello 1 first',
        '[openReplaySessionToken=tok-1] [bugReplayRecordingUuid=rec-1] hello 1 second',
      ]);
      assert.equal(exceptions().length, 1, JSON.stringify(exceptions()));
      assert.equal(JSON.parse(exceptions()[0]?.metadata ?? '{}').route, '/fail/:id');
    });
  }
});

describe('examples/register/app.mjs', () => {
  test('started with --import replaylink/register: stamped lines, an access line and the 5xx forwarded', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'replaylink/register', 'examples/register/app.mjs'],
      {
        cwd: root,
        env: cleanEnv({
          ...forwarding(),
          PORT: String(port),
          REPLAYLINK_ACCESS_LOG: '$context.routeKey $context.status',
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      output += d;
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', () => output.includes('listening on') && resolve());
        child.once('exit', (code) => reject(new Error(`exited (${code}): ${output}`)));
      });
      await request(`http://127.0.0.1:${port}/orders/7`, { headers: recorded(7) });
      await request(`http://127.0.0.1:${port}/fail`, { headers: recorded(8) });
      const deadline = Date.now() + 5000;
      while (exceptions().length === 0 && Date.now() < deadline) await delay(20);
    } finally {
      child.kill('SIGTERM');
      clearTimeout(killer);
    }
    await once(child, 'exit').catch(() => {});
    assert.match(
      output,
      /^\[openReplaySessionToken=tok-7\] \[bugReplayRecordingUuid=rec-7\] loading order 7$/m,
    );
    assert.match(output, /^GET \/orders\/:id 200$/m);
    assert.match(output, /^GET \/fail 500$/m);
    assert.equal(JSON.parse(exceptions()[0]?.metadata ?? '{}').route, '/fail');
  });
});

const redisServer = findService(REDIS);

describe('live sessions from REPLAYLINK_PROJECT_KEY and REPLAYLINK_REDIS_URL', {
  skip: redisServer.skip,
}, () => {
  test('a recorded request of an app with no replaylink import is shared through Redis', async () => {
    const port = await freePort();
    const redis = await startRedis(redisServer.command!, port);
    const { Redis } = await import('ioredis');
    const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await client.connect();
      const started = await run({
        app: 'express',
        format: 'cjs',
        env: {
          REPLAYLINK_PROJECT_KEY: 'web-app',
          REPLAYLINK_REDIS_URL: `redis://127.0.0.1:${port}`,
        },
      });
      await request(`${started.url}/hello/1`, {
        headers: { 'x-openreplay-session-id': '7001', 'user-agent': 'Mozilla/5.0 Chrome/126.0' },
      });
      let keys: string[] = [];
      const deadline = Date.now() + 10_000;
      while (keys.length === 0 && Date.now() < deadline) {
        keys = await client.keys('replaylink:live*');
        if (keys.length === 0) await delay(50);
      }
      const { stderr } = await started.stop();
      assert.ok(keys.length > 0, `nothing written to Redis: ${stderr}`);
      const dump = (await Promise.all(keys.map((key) => client.dump(key)))).join('');
      assert.ok(dump.includes('7001') || keys.join(' ').includes('7001'), keys.join(' '));
    } finally {
      client.disconnect();
      await stopRedis(redis);
    }
  });
});
