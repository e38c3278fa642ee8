import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { noteEscaping } from '../src/forward/process-handlers.js';
import { forwardState } from '../src/forward/state.js';
import { createRequestScope, getContext } from '../src/index.js';
import { enterEveryServerRequest } from '../src/servers.js';
import { quietly, request, serve } from './helpers.js';

// The server-level entry behind replaylink/register, in process: one wrap of
// net.Server.prototype.emit, undone by the function it returns.

const fakeRequest = (token: string) =>
  ({
    url: '/x',
    method: 'GET',
    headers: { 'x-openreplay-sessiontoken': token },
  }) as unknown as IncomingMessage;

test('every request listener runs in its context; the undo function restores emit', async () => {
  const emit = net.Server.prototype.emit;
  await quietly(async () => {
    const undo = enterEveryServerRequest(createRequestScope(), noteEscaping);
    try {
      assert.notEqual(net.Server.prototype.emit, emit);
      // A second install is refused: its undo does nothing.
      enterEveryServerRequest(createRequestScope(), noteEscaping)();
      assert.notEqual(net.Server.prototype.emit, emit);
      const server = await serve((_req, res) => res.end(getContext()?.sessionToken ?? '-'));
      const reply = await request(server.url, {
        headers: { 'x-openreplay-sessiontoken': 'tok.srv' },
      });
      await server.close();
      assert.equal(reply.body, 'tok.srv');
    } finally {
      undo();
    }
    assert.equal(net.Server.prototype.emit, emit);
  });
});

test("a listener's throw leaves its context for the uncaught-exception handler until the next tick", async () => {
  await quietly(async () => {
    const undo = enterEveryServerRequest(createRequestScope(), noteEscaping);
    try {
      const boom = new Error('listener broke');
      const server = new http.Server(() => {
        throw boom;
      });
      // Caught by whoever emitted it (here, the test), as a framework's own server might.
      assert.throws(
        () => server.emit('request', fakeRequest('tok.esc'), {} as ServerResponse),
        (e) => e === boom,
      );
      assert.equal(forwardState().escaping?.sessionToken, 'tok.esc');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(forwardState().escaping, undefined);
      // A listener that returns normally notes nothing.
      new http.Server(() => {}).emit('request', fakeRequest('tok.ok'), {} as ServerResponse);
      assert.equal(forwardState().escaping, undefined);
    } finally {
      undo();
    }
  });
});
