import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startReceiver } from '../src/index.js';
import { delay, request } from './helpers.js';

const KEY = 'limits-key';
const AUTH = { authorization: `Bearer ${KEY}` };
const MiB = 1024 * 1024;

const event = (n: number, payload = `payload ${n}`) => ({
  uuid: 'rec-l',
  type: 'log',
  payload,
  level: 'info',
  timestamp: 1_700_000_000_000 + n,
  title: `event ${n}`,
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  request(url, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** Waits for `check` within `ms`, polling; fails with `what` when it never holds. */
async function eventually(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (check()) return;
    await delay(25);
  }
  assert.fail(`never: ${what}`);
}

/** A raw connection that sends `head` and then never reads a byte. */
async function neverReading(port: number, head: string): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.pause();
  socket.write(head);
  return socket;
}

test('never-reading replay streams hold at most a fixed buffer each, and the heartbeat cuts them', async () => {
  const receiver = await startReceiver({
    apiKey: KEY,
    print: false,
    maxBytes: 8 * MiB,
    heartbeatMs: 300,
  });
  const sockets: net.Socket[] = [];
  try {
    const payload = 'p'.repeat(256 * 1024);
    for (let n = 0; n < 40; n++)
      assert.equal((await post(receiver.url, event(n, payload))).status, 200);
    const stored = receiver.stats().bytes;
    assert.ok(stored > 7 * MiB && stored <= 8 * MiB, `${stored} bytes stored`);
    for (let i = 0; i < 8; i++)
      sockets.push(
        await neverReading(
          receiver.port,
          `GET /events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\n` +
            'Last-Event-ID: 0\r\n\r\n',
        ),
      );
    await eventually('8 streams open', () => receiver.stats().streams === 8);
    // Let the replays run into their buffers' limit.
    let last = -1;
    await eventually('stream buffers settle', () => {
      const now = receiver.stats().streamBytes;
      const settled = now === last && now > 0;
      last = now;
      return settled;
    });
    const { streamBytes } = receiver.stats();
    // Each: under 1 MiB queued, plus the one event that crossed it. The old replay queued
    // the whole backlog per stream (8 × 8 MiB here).
    const bound = 8 * (MiB + 300 * 1024);
    process.stdout.write(
      `# 8 never-reading replays of ${(stored / MiB).toFixed(1)} MiB: ${(streamBytes / MiB).toFixed(1)} MiB queued ` +
        `(bound ${(bound / MiB).toFixed(1)} MiB), rss ${(process.memoryUsage().rss / MiB).toFixed(0)} MiB\n`,
    );
    assert.ok(streamBytes <= bound, `${streamBytes} bytes queued in streams`);
    await eventually(
      'the heartbeat cuts every stalled stream',
      () => receiver.stats().streams === 0,
    );
  } finally {
    for (const socket of sockets) socket.destroy();
    await receiver.close();
  }
});

test('a reading stream replays the whole backlog in order, then goes live, and is not cut', async () => {
  const receiver = await startReceiver({ apiKey: KEY, print: false, heartbeatMs: 100 });
  try {
    const payload = 'q'.repeat(64 * 1024);
    for (let n = 0; n < 40; n++) await post(receiver.url, event(n, payload));
    const ids: number[] = [];
    const names: string[] = [];
    let instance = '';
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get(
          `${receiver.base}/events/stream`,
          { headers: { ...AUTH, 'last-event-id': '0' } },
          resolve,
        )
        .on('error', reject);
    });
    let text = '';
    res.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const name = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (name === undefined || data === undefined) continue;
        names.push(name);
        if (name === 'event') ids.push((JSON.parse(data) as { id: number }).id);
        if (name === 'hello') instance = (JSON.parse(data) as { instance: string }).instance;
      }
    });
    await eventually('the backlog replayed', () => ids.length === 40);
    await delay(350); // several heartbeats: a reader that keeps up is never cut
    await post(receiver.url, event(40));
    await eventually('the live event', () => ids.length === 41);
    assert.deepEqual(
      ids,
      Array.from({ length: 41 }, (_, i) => i + 1),
    );
    assert.equal(names[0], 'hello');
    assert.equal(instance, receiver.stats().instance);
    assert.equal(receiver.stats().streams, 1);
    res.destroy();
  } finally {
    await receiver.close();
  }
});

test('each receiver has its own instance id, in /stats, /events and the stream hello', async () => {
  const a = await startReceiver({ apiKey: KEY, print: false });
  const b = await startReceiver({ apiKey: KEY, print: false });
  try {
    const stats = JSON.parse((await request(`${a.base}/stats`, { headers: AUTH })).body);
    const page = JSON.parse((await request(`${a.base}/events`, { headers: AUTH })).body);
    assert.match(stats.instance, /^[0-9a-f]{16}$/);
    assert.equal(page.instance, stats.instance);
    assert.notEqual(b.stats().instance, stats.instance);
  } finally {
    await a.close();
    await b.close();
  }
});

test('content-encodings are matched exactly: prototype names are unsupported (415)', async () => {
  const receiver = await startReceiver({ apiKey: KEY, print: false });
  try {
    for (const encoding of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'gzip, br'])
      assert.equal(
        (await post(receiver.url, event(1), { 'content-encoding': encoding })).status,
        415,
        encoding,
      );
    assert.equal(
      (await post(receiver.url, event(1), { 'content-encoding': ' Identity ' })).status,
      200,
    );
    assert.equal(receiver.stats().stored, 1);
  } finally {
    await receiver.close();
  }
});

test('an event larger than maxBytes is refused with 413 and nothing stored is pushed out', async () => {
  const receiver = await startReceiver({ apiKey: KEY, print: false, maxBytes: 2000 });
  try {
    assert.equal((await post(receiver.url, event(1))).status, 200);
    const reply = await post(receiver.url, event(2, 'x'.repeat(3000)));
    assert.equal(reply.status, 413);
    assert.match(reply.body, /larger than the 2000 bytes this receiver keeps/);
    assert.deepEqual(
      receiver.events.map((e) => e.title),
      ['event 1'],
    );
  } finally {
    await receiver.close();
  }
});

test('an unkeyed slow body gets its 401 and the connection is cut soon after', async () => {
  const receiver = await startReceiver({ apiKey: KEY, print: false });
  try {
    const socket = net.connect(receiver.port, '127.0.0.1');
    await once(socket, 'connect');
    let answer = '';
    socket.setEncoding('utf8').on('data', (d: string) => {
      answer += d;
    });
    socket.write(
      'POST /api/fullstack/v1/send HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n{"uu',
    );
    // Node's own request timeout is 300 s; the test's bound is the grace plus slack.
    const closed = once(socket, 'close');
    const guard = setTimeout(() => socket.destroy(new Error('still open after 10 s')), 10_000);
    await closed;
    clearTimeout(guard);
    assert.match(answer, /^HTTP\/1\.1 401 /);
    assert.match(answer, /connection: close/i);
  } finally {
    await receiver.close();
  }
});

test('a receiver bound to 127.0.0.2 answers requests addressed to it', async () => {
  const receiver = await startReceiver({ apiKey: KEY, print: false }, 0, '127.0.0.2');
  try {
    assert.equal(receiver.base, `http://127.0.0.2:${receiver.port}`);
    assert.equal((await request(`${receiver.base}/`)).status, 200);
    assert.equal((await request(`${receiver.base}/stats`, { headers: AUTH })).status, 200);
  } finally {
    await receiver.close();
  }
});

// --- the key, through the CLI ---

const CLI = new URL('../dist/src/receiver/cli.js', import.meta.url).pathname;

async function cli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, 'receiver', '--port', '0', ...args], {
    env: { ...process.env, REPLAYLINK_API_KEY: '', REPLAYLINK_RECEIVER_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = once(child, 'exit').then(([code]) => code as number);
  const page = (async () => {
    while (!/page: +(\S+)/.test(out)) {
      if (child.exitCode !== null) return undefined;
      await Promise.race([once(child.stdout, 'data'), exited]);
    }
    return /page: +(\S+)/.exec(out)?.[1];
  })();
  return { child, exited, page, err: () => err, out: () => out };
}

async function statusWith(page: string, key: string) {
  return (await request(`${page}stats`, { headers: { authorization: `Bearer ${key}` } })).status;
}

test('the CLI takes the key from REPLAYLINK_RECEIVER_KEY, with no note', async () => {
  const run = await cli([], { REPLAYLINK_RECEIVER_KEY: 'from-env' });
  try {
    const page = await run.page;
    assert.ok(page, run.err());
    assert.equal(await statusWith(page, 'from-env'), 200);
    assert.equal(await statusWith(page, 'local-dev-key'), 401);
    assert.doesNotMatch(run.out(), /local-dev-key/);
    assert.equal(run.err(), '');
  } finally {
    run.child.kill('SIGTERM');
  }
  assert.equal(await run.exited, 0);
});

test('the CLI reads the key from --api-key-file; --api-key works but says it is visible', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'replaylink-key-'));
  const file = join(dir, 'key');
  writeFileSync(file, 'from-file\n', { mode: 0o600 });
  const fromFile = await cli(['--api-key-file', file], { REPLAYLINK_RECEIVER_KEY: 'from-env' });
  try {
    const page = await fromFile.page;
    assert.ok(page, fromFile.err());
    assert.equal(await statusWith(page, 'from-file'), 200);
    assert.equal(await statusWith(page, 'from-env'), 401);
  } finally {
    fromFile.child.kill('SIGTERM');
  }
  await fromFile.exited;
  const flag = await cli(['--api-key', 'from-flag']);
  try {
    const page = await flag.page;
    assert.ok(page, flag.err());
    assert.equal(await statusWith(page, 'from-flag'), 200);
    assert.match(flag.err(), /--api-key is visible to every local user.*REPLAYLINK_RECEIVER_KEY/);
  } finally {
    flag.child.kill('SIGTERM');
  }
  await flag.exited;
  writeFileSync(file, '\n');
  const empty = await cli(['--api-key-file', file]);
  assert.equal(await empty.exited, 2);
  assert.match(empty.err(), /--api-key-file must hold the key/);
  const missing = await cli(['--api-key-file', join(dir, 'nope')]);
  assert.equal(await missing.exited, 2);
  assert.match(missing.err(), /cannot read --api-key-file/);
  const both = await cli(['--api-key-file', file, '--api-key', 'x']);
  assert.equal(await both.exited, 2);
});

test('the CLI on --host 127.0.0.2 prints a page address its Host check accepts', async () => {
  const run = await cli(['--host', '127.0.0.2']);
  try {
    const page = (await run.page) ?? '';
    assert.ok(page.startsWith('http://127.0.0.2:'), run.out() + run.err());
    assert.equal((await request(page)).status, 200);
    assert.equal(await statusWith(page, 'local-dev-key'), 200);
  } finally {
    run.child.kill('SIGTERM');
  }
  assert.equal(await run.exited, 0);
});
