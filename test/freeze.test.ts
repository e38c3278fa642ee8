// The transport across a freeze of the process (what Lambda does between invocations):
// a request whose answer arrived while the process was stopped is not thrown away.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';

test('an event out during a freeze longer than timeoutMs is delivered, not dropped', async () => {
  let bodies = 0;
  let stop: (() => void) | undefined;
  const server = http.createServer(async (req, res) => {
    for await (const _ of req);
    bodies++;
    // Stopped while its request is out, for 2.5 s (timeoutMs is 1 s); answered meanwhile.
    stop?.();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":"true"}');
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill('SIGCONT');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const child = spawn(process.execPath, ['test/fixtures/freeze.mjs'], {
    env: { ...process.env, ENDPOINT: `http://127.0.0.1:${port}/send`, REPLAYLINK_DEBUG: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stop = () => child.kill('SIGSTOP');
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  try {
    await once(child, 'exit');
    const result = JSON.parse(out) as { delivered: boolean; sent: number; failed: number };
    assert.deepEqual(
      { ...result, failures: undefined },
      {
        delivered: true,
        sent: 1,
        failed: 0,
        failures: undefined,
      },
    );
    assert.equal(bodies, 1, 'the answer read after the thaw: nothing sent twice');
    assert.doesNotMatch(err, /cannot reach/);
  } finally {
    child.kill('SIGCONT');
    server.closeAllConnections();
    server.close();
  }
});
