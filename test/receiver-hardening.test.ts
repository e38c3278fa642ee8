import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { VERSION } from '../src/core/version.js';
import { startReceiver } from '../src/index.js';
import { request } from './helpers.js';

const KEY = 'hardening-key';
const AUTH = { authorization: `Bearer ${KEY}` };
let receiver: Awaited<ReturnType<typeof startReceiver>>;
before(async () => {
  receiver = await startReceiver({ apiKey: KEY, print: false });
});
after(() => receiver.close());

const event = (n: number, uuid = 'rec-h') => ({
  uuid,
  type: n % 2 ? 'log' : 'exception',
  payload: `payload ${n}`,
  level: 'info',
  timestamp: 1_700_000_000_000 + n,
  metadata: '{}',
  title: `event ${n}`,
  origin: 'test',
});

/** POSTs raw bytes; resolves with the status and the body. */
function postBytes(url: string, body: Buffer, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const postJson = (url: string, body: unknown) =>
  postBytes(url, Buffer.from(JSON.stringify(body)), {
    ...AUTH,
    'content-type': 'application/json',
  });

// A JSON body whose string field inflates to `size` bytes of spaces.
const bombText = (size: number) =>
  Buffer.concat([
    Buffer.from('{"uuid":"bomb","type":"log","payload":"'),
    Buffer.alloc(size, 0x20),
    Buffer.from('"}'),
  ]);

// The memory a bomb costs the receiver is measured in bench/faults.mjs.
test('gzip and brotli bombs are refused with 413 after 1 MiB of output', async () => {
  const size = 256 * 1024 * 1024;
  const gzip = gzipSync(bombText(size), { level: 9 });
  const br = brotliCompressSync(bombText(size), {
    params: { [constants.BROTLI_PARAM_QUALITY]: 5 },
  });
  assert.ok(gzip.length < 1024 * 1024 && br.length < 1024 * 1024, 'bombs fit the wire limit');
  for (const [encoding, body] of [
    ['gzip', gzip],
    ['br', br],
  ] as const) {
    for (let i = 0; i < 3; i++) {
      const reply = await postBytes(receiver.url, body, { ...AUTH, 'content-encoding': encoding });
      assert.equal(reply.status, 413, encoding);
      assert.match(reply.body, /after decompression/);
      assert.doesNotMatch(reply.body, / {100}/, 'the body is not echoed');
    }
  }
  assert.equal(
    receiver.events.some((e) => e.uuid === 'bomb'),
    false,
  );
  // Just under the limit still passes.
  const fits = await postBytes(receiver.url, gzipSync(bombText(1024 * 1024 - 100)), {
    ...AUTH,
    'content-encoding': 'gzip',
  });
  assert.equal(fits.status, 200);
});

test('every data route answers 401 without the key, or with a wrong one', async () => {
  const routes: [string, string][] = [
    ['POST', '/api/fullstack/v1/send'],
    ['GET', '/events'],
    ['DELETE', '/events'],
    ['GET', '/events/stream'],
    ['GET', '/stats'],
  ];
  for (const [method, path] of routes) {
    for (const headers of [{}, { authorization: `Bearer ${KEY}x` }, { authorization: KEY }]) {
      const reply = await request(`${receiver.base}${path}`, { method, headers });
      assert.equal(reply.status, 401, `${method} ${path} ${JSON.stringify(headers)}`);
      assert.match(reply.body, /ErrUserNotLoggedIn/);
    }
  }
  const page = await request(`${receiver.base}/`);
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
});

test('GET /events pages with ?limit and ?after, filters by ?uuid and bounds the limit', async () => {
  await request(`${receiver.base}/events`, { method: 'DELETE', headers: AUTH });
  for (let n = 0; n < 25; n++) await postJson(receiver.url, event(n, n % 5 ? 'rec-p' : 'rec-q'));
  const seen: string[] = [];
  let after = 0;
  for (let pages = 0; pages < 10; pages++) {
    const reply = await request(`${receiver.base}/events?limit=7&after=${after}`, {
      headers: AUTH,
    });
    const page = JSON.parse(reply.body);
    assert.ok(page.events.length <= 7);
    seen.push(...page.events.map((e: { title: string }) => e.title));
    if (page.next === null) break;
    after = page.next;
  }
  assert.deepEqual(
    seen,
    Array.from({ length: 25 }, (_, n) => `event ${n}`),
  );
  const q = JSON.parse(
    (await request(`${receiver.base}/events?uuid=rec-q`, { headers: AUTH })).body,
  );
  assert.equal(q.events.length, 5);
  assert.equal(q.next, null);
  for (const bad of ['limit=0', 'limit=1001', 'limit=x', 'after=-1'])
    assert.equal(
      (await request(`${receiver.base}/events?${bad}`, { headers: AUTH })).status,
      400,
      bad,
    );
  const big = JSON.parse((await request(`${receiver.base}/events`, { headers: AUTH })).body);
  assert.equal(big.events.length, 25, 'the default limit is 100');
});

test('past maxBytes the oldest events are dropped and counted', async () => {
  const small = await startReceiver({ apiKey: KEY, print: false, maxBytes: 4096 });
  try {
    for (let n = 0; n < 40; n++) {
      const reply = await postJson(small.url, { ...event(n), payload: 'x'.repeat(300) });
      assert.equal(reply.status, 200);
    }
    const page = JSON.parse((await request(`${small.base}/events`, { headers: AUTH })).body);
    assert.ok(page.bytes <= 4096, `${page.bytes} bytes kept`);
    assert.equal(page.stored + page.dropped, 40);
    assert.ok(page.dropped > 0);
    assert.equal(page.events.at(-1).title, 'event 39', 'the newest is kept');
    const stats = JSON.parse((await request(`${small.base}/stats`, { headers: AUTH })).body);
    assert.equal(stats.dropped, page.dropped);
    assert.equal(stats.maxBytes, 4096);
  } finally {
    await small.close();
  }
});

test('options are checked at set-up', async () => {
  await assert.rejects(startReceiver({ apiKey: '' }), /option "apiKey"/);
  await assert.rejects(startReceiver({ apiKey: 'k', maxBytes: 0 }), /option "maxBytes"/);
});

// --- the CLI, in a child process ---

const CLI = new URL('../dist/src/receiver/cli.js', import.meta.url);

function cli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI.pathname, ...args], {
    env: { ...process.env, REPLAYLINK_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = once(child, 'exit').then(([code]) => code as number);
  return { child, exited, out: () => stdout, err: () => stderr };
}

test('replaylink --version prints the package version', async () => {
  const run = cli(['--version']);
  assert.equal(await run.exited, 0);
  assert.equal(run.out().trim(), VERSION);
});

test('replaylink receiver --help prints the usage', async () => {
  const run = cli(['receiver', '--help']);
  assert.equal(await run.exited, 0);
  assert.match(run.out(), /usage: replaylink receiver/);
  assert.match(run.out(), /--api-key/);
  assert.match(run.out(), /--max-bytes/);
});

test('the CLI refuses to listen on 0.0.0.0 without a key', async () => {
  const run = cli(['receiver', '--host', '0.0.0.0', '--port', '0']);
  assert.equal(await run.exited, 2);
  assert.match(run.err(), /refusing to listen on 0\.0\.0\.0.*--api-key/);
});

test('the CLI prints the page URL, serves with the dev key on loopback and stops on SIGTERM', async () => {
  const run = cli(['receiver', '--port', '0']);
  try {
    while (!/page: +(\S+)/.test(run.out())) {
      if (run.child.exitCode !== null) assert.fail(run.err());
      await once(run.child.stdout, 'data');
    }
    const page = /page: +(http:\/\/127\.0\.0\.1:\d+\/)/.exec(run.out())?.[1];
    assert.ok(page, run.out());
    const listed = await request(`${page}events`, {
      headers: { authorization: 'Bearer local-dev-key' },
    });
    assert.equal(listed.status, 200);
  } finally {
    run.child.kill('SIGTERM');
  }
  assert.equal(await run.exited, 0);
  assert.match(run.out(), /replaylink receiver stopped\n$/);
});

/** A GET with a chosen `Host` header, as a rebound DNS name would send it. */
function withHost(path: string, host: string | undefined) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const headers: Record<string, string> = { ...AUTH };
    if (host !== undefined) headers.host = host;
    const req = http.request(
      { host: '127.0.0.1', port: receiver.port, path, headers, setHost: host !== undefined },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('a loopback receiver refuses a Host that is not a loopback name (DNS rebinding)', async () => {
  const port = receiver.port;
  for (const host of [
    'evil.example',
    `evil.example:${port}`,
    `127.0.0.1.evil.example:${port}`,
    `localhost.evil.example`,
    `attacker-127.0.0.1.nip.io:${port}`,
    '0.0.0.0',
    `[::1].evil:${port}`,
  ]) {
    for (const path of ['/', '/page.js', '/events', '/stats']) {
      const res = await withHost(path, host);
      assert.equal(res.status, 421, `${host} ${path}`);
      assert.match(res.body, /loopback/);
      assert.doesNotMatch(res.body, /payload|<html/i, 'nothing of the receiver leaks');
    }
  }
  for (const host of [
    '127.0.0.1',
    `127.0.0.1:${port}`,
    'localhost',
    `LOCALHOST:${port}`,
    '[::1]',
    `[::1]:${port}`,
  ]) {
    assert.equal((await withHost('/stats', host)).status, 200, host);
    assert.equal((await withHost('/', host)).status, 200, host);
  }
});

test('a receiver bound to a non-loopback address does not check Host', async () => {
  const open = await startReceiver({ apiKey: KEY, print: false }, 0, '0.0.0.0');
  try {
    const res = await new Promise<number>((resolve, reject) => {
      http
        .get(
          {
            host: '127.0.0.1',
            port: open.port,
            path: '/stats',
            headers: { ...AUTH, host: 'lan-box' },
          },
          (r) => {
            r.resume();
            resolve(r.statusCode ?? 0);
          },
        )
        .on('error', reject);
    });
    assert.equal(res, 200);
  } finally {
    await open.close();
  }
});
