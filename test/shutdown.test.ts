import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { startReceiver } from '../src/index.js';
import { childEnv } from './helpers.js';

const FIXTURE = new URL('./fixtures/shutdown.mjs', import.meta.url).pathname;

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [FIXTURE], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    stdout += d;
    child.emit('stdout', stdout);
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const exited = once(child, 'exit').then(([code]) => {
    clearTimeout(killer);
    return { code: code as number | null, stdout };
  });
  return { child, exited };
}

test('SIGTERM with close() in the handler: every event accepted before it reaches the receiver', async () => {
  const receiver = await startReceiver({ apiKey: 'shutdown-key', print: false });
  try {
    const { child, exited } = start({ SCENARIO: 'sigterm', ENDPOINT: receiver.url, COUNT: '50' });
    await new Promise<void>((resolve) =>
      child.on('stdout', (out: string) => out.includes('ready') && resolve()),
    );
    child.kill('SIGTERM');
    const { code, stdout } = await exited;
    assert.equal(code, 0);
    assert.match(stdout, /closed true/);
    const delivered = receiver.events
      .filter((e) => e.uuid === 'shutdown-rec')
      .map((e) => e.payload);
    assert.deepEqual(
      delivered.sort(),
      Array.from({ length: 50 }, (_, i) => `queued before shutdown ${i}`).sort(),
    );
  } finally {
    await receiver.close();
  }
});

test('against a hanging server close(200) returns false after its bound and the process exits by itself', async () => {
  const hanging = http.createServer(() => {});
  hanging.listen(0, '127.0.0.1');
  await once(hanging, 'listening');
  const { port } = hanging.address() as AddressInfo;
  try {
    const { exited } = start({
      SCENARIO: 'hanging',
      ENDPOINT: `http://127.0.0.1:${port}/send`,
      COUNT: '3',
    });
    const { code, stdout } = await exited; // resolves only if the process ends on its own
    assert.equal(code, 0);
    // The 30 s transport timeout is longer than the killer's 20 s: only close()'s own
    // bound lets the script end by itself (code 0, not a kill).
    assert.deepEqual(JSON.parse(stdout), { delivered: false, waitedItsBound: true });
  } finally {
    hanging.closeAllConnections();
    hanging.close();
  }
});
