import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { RequestListener } from 'node:http';
import { describe, test } from 'node:test';
import express from 'express';
import { WebSocket, WebSocketServer } from 'ws';
import { expressMiddleware } from '../adapters/express.js';
import { wsReplayLink } from '../adapters/ws.js';
import { getContext, ReplayLinkError } from '../src/index.js';
import { inZone, request, serve, withOutput } from './helpers.js';

const FORMAT =
  '{"e":"$context.eventType","r":"$context.routeKey","c":"$context.connectionId","at":"$context.connectedAt","t":"$context.openReplaySessionToken","m":"$context.messageId","s":"$context.status","p":"$context.path"}';

interface Line {
  e: string;
  r: string;
  c: string;
  at: string;
  t: string;
  m: string;
  s: string;
  p: string;
}

/** Collects lines and lets a test wait until `count` have arrived. */
function collector() {
  const lines: string[] = [];
  let waiting: { count: number; resolve: () => void } | undefined;
  return {
    lines,
    stream: (line: string) => {
      lines.push(line);
      if (waiting && lines.length >= waiting.count) waiting.resolve();
    },
    until: (count: number) =>
      new Promise<void>((resolve) => {
        if (lines.length >= count) resolve();
        else waiting = { count, resolve };
      }),
  };
}

/** An Express app and a ws server sharing one HTTP server, both logging to `stream`. */
async function stack(stream: (line: string) => void) {
  const app = express();
  app.use(expressMiddleware({ accessLog: { format: FORMAT, stream } }));
  app.get('/health', (_req, res) => {
    res.send('ok');
  });
  const server = await serve(app as unknown as RequestListener);
  const wss = wsReplayLink(new WebSocketServer({ server: server.server }), {
    accessLog: { format: FORMAT, stream },
  });
  // Node emits 'upgrade' outside the server's async context, so the test's output zone
  // is re-entered here; replaylink's own context does not depend on it.
  wss.on('connection', (ws) => {
    inZone(() => console.log('connected'));
    ws.on('message', (data) => {
      let n: unknown = 'raw';
      try {
        n = JSON.parse(String(data)).n;
      } catch {}
      inZone(() => console.log(`message ${n}`));
      // Reply from a timer: the connection's context survives the hop.
      setTimeout(() => ws.send(`${getContext()?.sessionToken}:${n}`), Number(n) % 3 || 0);
    });
  });
  return { server, wss };
}

async function client(url: string, token: string) {
  const ws = new WebSocket(url, { headers: { 'x-openreplay-sessiontoken': token } });
  await once(ws, 'open');
  return ws;
}

function replies(ws: WebSocket, count: number): Promise<string[]> {
  const got: string[] = [];
  return new Promise((resolve) =>
    ws.on('message', (data) => {
      got.push(String(data));
      if (got.length === count) resolve(got.sort());
    }),
  );
}

describe('replaylink/ws', () => {
  test('two concurrent connections each log and stamp their own ids', async () => {
    const out = collector();
    await withOutput(undefined, async (output) => {
      const { server, wss } = await stack(out.stream);
      const url = `ws://127.0.0.1:${server.port}/chat`;
      try {
        const [a, b] = await Promise.all([client(url, 'tok.A'), client(url, 'tok.B')]);
        const gotA = replies(a, 4);
        const gotB = replies(b, 3);
        for (let n = 0; n < 3; n++) {
          a.send(JSON.stringify({ action: 'say', n }));
          b.send(JSON.stringify({ action: n === 1 ? 42 : 'shout', n }));
        }
        a.send('not json');
        assert.deepEqual(await gotA, ['tok.A:0', 'tok.A:1', 'tok.A:2', 'tok.A:raw']);
        assert.deepEqual(await gotB, ['tok.B:0', 'tok.B:1', 'tok.B:2']);
        assert.equal((await request(`${server.url}/health`)).body, 'ok');
        a.close(1000);
        b.close(1000);
        // A: CONNECT, 4 MESSAGE, DISCONNECT; B: CONNECT, 3 MESSAGE, DISCONNECT; one HTTP line.
        await out.until(12);
      } finally {
        wss.close();
        await server.close();
      }
      const stamped = output.stdout().split('\n').filter(Boolean).sort();
      assert.deepEqual(stamped, [
        '[openReplaySessionToken=tok.A] connected',
        '[openReplaySessionToken=tok.A] message 0',
        '[openReplaySessionToken=tok.A] message 1',
        '[openReplaySessionToken=tok.A] message 2',
        '[openReplaySessionToken=tok.A] message raw',
        '[openReplaySessionToken=tok.B] connected',
        '[openReplaySessionToken=tok.B] message 0',
        '[openReplaySessionToken=tok.B] message 1',
        '[openReplaySessionToken=tok.B] message 2',
      ]);
    });

    const records = out.lines.map((line) => JSON.parse(line) as Line);
    assert.equal(records.length, 12);
    const http = records.filter((r) => r.e === 'REQUEST');
    assert.deepEqual(http, [
      { e: 'REQUEST', r: 'GET /health', c: '-', at: '-', t: '-', m: '-', s: '200', p: '/health' },
    ]);
    const of = (token: string) => records.filter((r) => r.t === token);
    const [a, b] = [of('tok.A'), of('tok.B')];
    assert.deepEqual(
      a.map((r) => `${r.e} ${r.r} ${r.s}`),
      [
        'CONNECT $connect 101',
        'MESSAGE say -',
        'MESSAGE say -',
        'MESSAGE say -',
        'MESSAGE $default -',
        'DISCONNECT $disconnect 1000',
      ],
    );
    assert.deepEqual(
      b.map((r) => `${r.e} ${r.r} ${r.s}`),
      [
        'CONNECT $connect 101',
        'MESSAGE shout -',
        'MESSAGE $default -',
        'MESSAGE shout -',
        'DISCONNECT $disconnect 1000',
      ],
    );
    for (const lines of [a, b]) {
      assert.equal(new Set(lines.map((r) => r.c)).size, 1, 'one connection id per connection');
      assert.equal(new Set(lines.map((r) => r.at)).size, 1);
      assert.match(lines[0]!.at, /^\d{13}$/);
      assert.ok(lines.every((r) => r.p === '/chat'));
      const messages = lines.filter((r) => r.e === 'MESSAGE').map((r) => r.m);
      assert.ok(messages.every((m) => /^[0-9a-f-]{36}$/.test(m)));
      assert.equal(new Set(messages).size, messages.length, 'message ids are unique');
    }
    assert.notEqual(a[0]!.c, b[0]!.c);
    assert.match(a[0]!.c, /^[0-9a-f-]{36}$/);
  });

  test('noServer: the upgrade done by the application gets the context too', async () => {
    const out = collector();
    const wss = wsReplayLink(new WebSocketServer({ noServer: true }), {
      routeSelectionExpression: '$request.body.route.name',
      accessLog: { format: '$context.eventType $context.routeKey', stream: out.stream },
    });
    wss.on('connection', (ws) => {
      ws.on('message', () => ws.send(String(getContext()?.sessionToken)));
    });
    const server = await serve((_req, res) => res.end());
    server.server.on('upgrade', (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)),
    );
    try {
      const ws = await client(`ws://127.0.0.1:${server.port}/`, 'tok.C');
      const got = replies(ws, 2);
      ws.send(JSON.stringify({ route: { name: 'join' } }));
      ws.send(JSON.stringify({ action: 'join' }));
      assert.deepEqual(await got, ['tok.C', 'tok.C']);
      ws.close();
      await out.until(4);
    } finally {
      wss.close();
      await server.close();
    }
    assert.deepEqual(out.lines, [
      'CONNECT $connect',
      'MESSAGE join',
      'MESSAGE $default',
      'DISCONNECT $disconnect',
    ]);
  });

  test('a server listening on its own port gets the context too', async () => {
    const out = collector();
    const wss = wsReplayLink(new WebSocketServer({ port: 0, host: '127.0.0.1' }), {
      accessLog: {
        format: '$context.eventType $context.bugReplayRecordingUuid',
        stream: out.stream,
      },
    });
    await once(wss, 'listening');
    wss.on('connection', (ws) => {
      ws.on('message', () => ws.send(String(getContext()?.recordingId)));
    });
    try {
      const { port } = wss.address() as { port: number };
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, {
        headers: { 'br-recording-uuid': '6f1c2a9e-4b1d' },
      });
      await once(ws, 'open');
      const got = replies(ws, 1);
      ws.send('hello');
      assert.deepEqual(await got, ['6f1c2a9e-4b1d']);
      ws.close();
      await out.until(3);
    } finally {
      wss.close();
    }
    assert.deepEqual(out.lines, [
      'CONNECT 6f1c2a9e-4b1d',
      'MESSAGE 6f1c2a9e-4b1d',
      'DISCONNECT 6f1c2a9e-4b1d',
    ]);
  });

  test('a bad route selection expression is refused at set-up', () => {
    assert.throws(
      () =>
        wsReplayLink(new WebSocketServer({ noServer: true }), {
          routeSelectionExpression: '$request.header.x',
        }),
      (error: unknown) =>
        error instanceof ReplayLinkError && /routeSelectionExpression/.test(error.message),
    );
  });
});

test('a throwing message listener: the same error goes on to ws, the MESSAGE line carries it', async () => {
  const out = collector();
  await withOutput(undefined, async () => {
    const server = await serve((_req, res) => res.end());
    const wss = wsReplayLink(new WebSocketServer({ server: server.server }), {
      accessLog: {
        format:
          '$context.eventType $context.routeKey $context.openReplaySessionToken $context.error.message',
        stream: out.stream,
      },
    });
    const boom = new Error('listener broke');
    const sockets: WebSocket[] = [];
    wss.on('connection', (ws) => {
      sockets.push(ws);
      ws.on('message', (data) => {
        if (String(data).includes('boom')) throw boom;
        ws.send(`${getContext()?.sessionToken}:${data}`);
      });
    });
    try {
      const ws = await client(`ws://127.0.0.1:${server.port}/`, 'tok.T');
      await out.until(1); // CONNECT
      // ws delivers a message by emitting it on the server's socket, as here; a listener's
      // throw then reaches ws's own caller (and, unhandled, the process), unchanged.
      assert.throws(
        () => sockets[0]!.emit('message', Buffer.from('{"action":"boom"}'), false),
        (error: unknown) => error === boom,
      );
      const answered = replies(ws, 1);
      ws.send('{"action":"ping"}');
      assert.deepEqual(await answered, ['tok.T:{"action":"ping"}']);
      ws.close(1000);
      await out.until(4);
    } finally {
      // Upgraded sockets are not the HTTP server's to close.
      for (const socket of wss.clients) socket.terminate();
      wss.close();
      await server.close();
    }
  });
  assert.deepEqual(out.lines, [
    'CONNECT $connect tok.T -',
    'MESSAGE boom tok.T listener broke',
    'MESSAGE ping tok.T -',
    'DISCONNECT $disconnect tok.T -',
  ]);
});
