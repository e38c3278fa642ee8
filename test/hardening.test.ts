import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { retryAfterMs } from '../src/forward/transport.js';
import {
  captureException,
  close,
  flush,
  init,
  runWithContext,
  type Stats,
  startReceiver,
} from '../src/index.js';
import { captureOutput, childEnv, inZone } from './helpers.js';

// Fault reproductions from the hardening review, each run as a user would hit it: a
// script of its own against a local endpoint that hangs or answers.

const FIXTURE = new URL('./fixtures/hardening.mjs', import.meta.url).pathname;

interface Outcome {
  code: number | null;
  stderr: string;
  report: { stats: Stats; delivered?: boolean } | undefined;
}

/** Runs the fixture; a script still running after 30 s is killed (code null). */
async function run(env: Record<string, string>, quiet = false): Promise<Outcome> {
  const child = spawn(process.execPath, [FIXTURE], {
    env: childEnv(env),
    // Quiet: stderr to /dev/null, so that a slow reader's pipe buffer (Node's, not
    // ours) does not hide what the queue holds.
    stdio: ['ignore', 'pipe', quiet ? 'ignore' : 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(killer);
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  return { code, stderr, report: line ? JSON.parse(line) : undefined };
}

// Accepts every request and never answers.
let hung: http.Server;
let hungUrl: string;
before(async () => {
  hung = http.createServer(() => {});
  hung.listen(0, '127.0.0.1');
  await once(hung, 'listening');
  hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/send`;
});
after(() => {
  hung.closeAllConnections();
  hung.close();
});

/** Every event accepted ends in exactly one counter. */
function accounted(stats: Stats): number {
  return stats.sent + stats.failed + stats.dropped.closed;
}

test('1.4 MB console lines against a hung endpoint: the queue stays within maxQueueBytes', async () => {
  const { code, report } = await run(
    { SCENARIO: 'bytes', ENDPOINT: hungUrl, SHUTDOWN_MS: '200' },
    true,
  );
  assert.equal(code, 0);
  const { stats } = report!;
  // Each event is cut to 64 KiB at capture: 8 MiB holds about 128 of them, the rest is refused.
  assert.ok(stats.queued > 0 && stats.queued <= 130, `queued ${stats.queued}`);
  assert.equal(stats.queued + stats.dropped.queueFull, 500);
  assert.equal(accounted(stats), stats.queued);
});

test('a script ending with 25 events for a hung endpoint exits after shutdownTimeoutMs, counting them', async () => {
  // With a 2 min request timeout (the largest allowed) only the 2 s drain (shutdownTimeoutMs's default) can end
  // the script before the 30 s killer.
  const { code, report } = await run({ SCENARIO: 'exit', ENDPOINT: hungUrl, TIMEOUT_MS: '120000' });
  assert.equal(code, 0, 'the script exited by itself');
  const { stats } = report!;
  assert.equal(stats.queued, 25);
  assert.equal(stats.dropped.closed, 25);
  assert.equal(accounted(stats), 25);
});

test('an endpoint that never completes the TLS handshake does not hold the exit past shutdownTimeoutMs', async () => {
  // Accepts the TCP connection and stays silent: the TLS client hello is never answered.
  const silent = net.createServer(() => {});
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const sockets = new Set<net.Socket>();
  silent.on('connection', (socket) => sockets.add(socket));
  try {
    const { code, report } = await run({
      SCENARIO: 'exit',
      ENDPOINT: `https://127.0.0.1:${(silent.address() as AddressInfo).port}/send`,
      SHUTDOWN_MS: '300',
      TIMEOUT_MS: '120000',
    });
    // Only the 300 ms drain can end the script before the 30 s killer.
    assert.equal(code, 0, 'the script exited by itself');
    assert.ok(sockets.size > 0, 'the script did connect');
    assert.equal(report!.stats.dropped.closed, 25);
    assert.equal(accounted(report!.stats), 25);
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});

test('close(300) against a hung endpoint counts every event it gives up on', async () => {
  const { report } = await run({
    SCENARIO: 'close',
    ENDPOINT: hungUrl,
    CLOSE_MS: '300',
    TIMEOUT_MS: '30000',
  });
  const { stats, delivered } = report!;
  assert.equal(delivered, false);
  assert.equal(stats.dropped.closed, 25);
  assert.equal(accounted(stats), 25);
});

test('an event in flight when the process crashes is still delivered', async () => {
  const receiver = await startReceiver({ apiKey: 'hardening-key', print: false });
  try {
    for (const lag of ['0', '1', '5']) {
      receiver.events.length = 0;
      const { code, stderr } = await run({
        SCENARIO: 'lastwords',
        ENDPOINT: receiver.url,
        LAG: lag,
      });
      assert.equal(code, 1);
      assert.match(
        stderr,
        /^\[bugReplayRecordingUuid=rec-last\] uncaught Error: after the last words$/m,
      );
      const payloads = receiver.events.filter((e) => e.uuid === 'rec-last').map((e) => e.type);
      assert.ok(payloads.includes('log'), `lag ${lag}: the last words arrived (${payloads})`);
      assert.ok(payloads.includes('exception'), `lag ${lag}: the exception arrived`);
    }
  } finally {
    await receiver.close();
  }
});

test('Retry-After: decimal seconds, dates, garbage and absurd values', () => {
  const now = Date.parse('2026-11-25T10:00:00Z');
  assert.equal(retryAfterMs('1.5', now), 1500);
  assert.equal(retryAfterMs(' 2 ', now), 2000);
  assert.equal(retryAfterMs('99999999999999999999', now), 3_600_000);
  assert.equal(retryAfterMs('Wed, 25 Nov 2026 10:00:05 GMT', now), 5000);
  assert.equal(retryAfterMs('Fri, 25 Nov 2095 10:00:05 GMT', now), 3_600_000);
  for (const junk of ['-1', '1e3', '0x10', 'soon', '1.5.2', '', '12 monkeys'])
    assert.equal(retryAfterMs(junk, now), 60_000, junk);
});

test('the same primitive rejected in two recordings is forwarded for each; twice in one request once', async () => {
  const receiver = await startReceiver({ apiKey: 'hardening-key', print: false });
  const output = captureOutput();
  try {
    init({ apiKey: 'hardening-key', endpoint: receiver.url });
    await inZone(async () => {
      for (const recordingId of ['rec-a', 'rec-b']) {
        runWithContext({ recordingId }, () => {
          assert.equal(captureException('ETIMEDOUT'), true, recordingId);
          assert.equal(captureException('ETIMEDOUT'), false, `${recordingId}, again`);
        });
      }
      const error = new Error('one object');
      runWithContext({ recordingId: 'rec-a' }, () => assert.equal(captureException(error), true));
      runWithContext({ recordingId: 'rec-b' }, () => assert.equal(captureException(error), false));
      assert.equal(await flush(2000), true);
    });
    const titles = receiver.events.map((e) => `${e.uuid} ${e.title}`).sort();
    assert.deepEqual(titles, [
      'rec-a Error: one object',
      'rec-a Non-Error thrown: ETIMEDOUT',
      'rec-b Non-Error thrown: ETIMEDOUT',
    ]);
  } finally {
    await close();
    output.restore();
    await receiver.close();
  }
});
