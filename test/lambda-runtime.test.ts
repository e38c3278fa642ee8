// lambdaHandler under the real Lambda runtime client (aws-lambda-ric) against a local
// Runtime API, in the four ways a Node.js function's logs reach CloudWatch.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startReceiver } from '../src/index.js';
import {
  httpV2,
  RECORDING,
  restV1,
  TOKEN,
  wsConnect,
  wsDisconnect,
  wsMessage,
} from './lambda-events.js';
import {
  type FunctionProcess,
  type LogEvent,
  type LogFormat,
  type LogMode,
  openReplayToken,
  prepareRic,
  type RuntimeApi,
  startFunction,
  startRuntimeApi,
} from './lambda-runtime.js';
import { findService, REDIS, startRedis, stopRedis } from './services.js';

const TASK_ROOT = path.resolve('test/fixtures/lambda');
const TAG = `[openReplaySessionToken=${TOKEN}]`;
const skip = await prepareRic();

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** Waits until `events` holds an event matching `match` (bounded by the test timeout). */
async function eventuallyLogged(events: LogEvent[], match: (e: LogEvent) => boolean) {
  for (let i = 0; i < 200 && !events.some(match); i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
}

const MODES: Array<[LogMode, LogFormat]> = [
  ['fd', 'TEXT'],
  ['fd', 'JSON'],
  ['stdout', 'TEXT'],
  ['stdout', 'JSON'],
];

for (const [mode, format] of MODES) {
  describe(`Lambda runtime, ${mode} / ${format}`, { skip, timeout: 60_000 }, () => {
    let api: RuntimeApi;
    let fn: FunctionProcess;

    before(async () => {
      api = await startRuntimeApi();
      fn = startFunction({ api, taskRoot: TASK_ROOT, handler: 'plain.handler', mode, format });
    });
    after(async () => {
      await fn?.stop();
      await api?.close();
    });

    test('every console call of the invocation is one event carrying the tag once', async () => {
      const outcome = await api.invoke(restV1({ 'X-OpenReplay-SessionToken': TOKEN }));
      assert.equal(outcome.kind, 'response', fn.stderr());
      await eventuallyLogged(fn.events, (e) => e.message.includes('raw write'));
      const mine = fn.events.filter((e) => e.message.includes(outcome.requestId));
      // log, info, warn, error (two lines), debug: one event each.
      assert.equal(mine.length, 5, JSON.stringify(fn.events, null, 1));
      for (const event of mine) {
        assert.equal(count(event.message, TAG), 1, event.message);
        if (format === 'JSON') {
          const record = JSON.parse(event.message) as Record<string, unknown>;
          assert.equal(record.openReplaySessionToken, TOKEN);
          assert.equal(record.requestId, outcome.requestId);
          assert.equal(typeof record.message, 'string');
          assert.ok((record.message as string).startsWith(`${TAG} `), event.message);
        } else {
          assert.ok(event.message.includes(`\t${TAG} `), event.message);
        }
      }
      const texts = mine.map((e) => e.message);
      assert.ok(texts.some((t) => t.includes('format text and 42')));
      assert.ok(texts.some((t) => t.includes('100% done')));
      assert.ok(texts.some((t) => t.includes('two') && t.includes('lines')));
      // A raw stdout write is stamped as before, once.
      const raw = fn.events.filter((e) => e.message.includes('raw write'));
      assert.deepEqual(
        raw.map((e) => e.message),
        [`${TAG} raw write`],
      );
    });

    test('a thrown error is one findable event and reaches the runtime unchanged', async () => {
      const outcome = await api.invoke({
        ...restV1({ 'X-OpenReplay-SessionToken': TOKEN }),
        queryStringParameters: { scenario: 'throw' },
      });
      assert.equal(outcome.kind, 'error');
      const body = JSON.parse(outcome.body) as { errorType: string; errorMessage: string };
      assert.equal(body.errorType, 'TypeError');
      assert.equal(body.errorMessage, 'order 7 has no items');
      await eventuallyLogged(fn.events, (e) => e.message.includes('Invoke Error'));
      const found = fn.events.filter(
        (e) => e.message.includes(outcome.requestId) && openReplayToken(e.message) !== undefined,
      );
      assert.equal(found.length, 1, JSON.stringify(fn.events, null, 1));
      const [event] = found;
      assert.equal(openReplayToken(event!.message), TOKEN);
      assert.ok(event!.message.includes('TypeError: order 7 has no items'));
      assert.ok(event!.message.includes('plain.mjs'), 'the stack is in the same event');
      assert.equal(count(event!.message, TAG), 1);
      if (format === 'JSON') {
        const record = JSON.parse(event!.message) as Record<string, unknown>;
        assert.equal(record.errorType, 'TypeError');
        assert.equal(record.openReplaySessionToken, TOKEN);
      }
    });
  });
}

for (const handler of ['express.http', 'express.codegenie']) {
  const name = handler === 'express.http' ? 'serverless-http' : '@codegenie/serverless-express';
  describe(`Lambda runtime, Express behind ${name}`, { skip, timeout: 60_000 }, () => {
    test('each app line is one event stamped once, with the middleware mounted', async () => {
      const api = await startRuntimeApi();
      const fn = startFunction({ api, taskRoot: TASK_ROOT, handler, mode: 'fd', format: 'JSON' });
      try {
        for (const event of [
          restV1({ 'X-OpenReplay-SessionToken': TOKEN }),
          httpV2({ 'x-openreplay-sessiontoken': TOKEN }),
        ]) {
          const outcome = await api.invoke(event);
          assert.equal(outcome.kind, 'response', fn.stderr());
          assert.equal(JSON.parse(JSON.parse(outcome.body).body).id, '7');
          await eventuallyLogged(fn.events, (e) => e.message.includes('is late'));
          const mine = fn.events.filter((e) => e.message.includes(outcome.requestId));
          assert.equal(mine.length, 3, JSON.stringify(fn.events, null, 1));
          for (const { message } of mine) {
            const record = JSON.parse(message) as Record<string, string>;
            assert.equal(count(record.message!, TAG), 1, message);
            assert.equal(record.openReplaySessionToken, TOKEN);
          }
          fn.events.length = 0;
        }
      } finally {
        await fn.stop();
        await api.close();
      }
    });
  });
}

/** Connects on `first`, then sends a message and disconnects on `then`: each line tagged once. */
async function followsConnection(
  first: [RuntimeApi, FunctionProcess],
  then: [RuntimeApi, FunctionProcess],
) {
  const id = `c${Date.now().toString(36)}=`;
  const query = { 'x-openreplay-sessiontoken': TOKEN };
  assert.equal((await first[0].invoke(wsConnect(id, query))).kind, 'response', first[1].stderr());
  assert.equal((await then[0].invoke(wsMessage(id))).kind, 'response', then[1].stderr());
  assert.equal((await then[0].invoke(wsDisconnect(id))).kind, 'response', then[1].stderr());
  const processes = new Set([first[1], then[1]]);
  const lines = () =>
    [...processes].flatMap((fn) => fn.events).filter((e) => e.message.includes('route '));

  for (let i = 0; i < 200 && lines().length < 3; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  const routes = lines().map((e) => e.message);
  assert.equal(routes.length, 3, routes.join('\n'));
  for (const route of ['$connect', 'sendmessage', '$disconnect']) {
    const line = routes.find((r) => r.includes(`route ${route} ${id}`));
    assert.ok(line !== undefined && count(line, TAG) === 1, `${route}: ${line}`);
  }
}

describe('Lambda runtime, WebSocket API', { skip, timeout: 60_000 }, () => {
  test('MESSAGE and $disconnect carry the tag of $connect (memory store)', async () => {
    const api = await startRuntimeApi();
    const fn = startFunction({
      api,
      taskRoot: TASK_ROOT,
      handler: 'ws.handler',
      mode: 'fd',
      format: 'TEXT',
    });
    try {
      await followsConnection([api, fn], [api, fn]);
    } finally {
      await fn.stop();
      await api.close();
    }
  });

  const redis = findService(REDIS);
  test('an instance that never saw $connect tags its lines (Redis store)', {
    skip: redis.skip,
  }, async () => {
    const { freePort } = await import('./helpers.js');
    const port = await freePort();
    const server = await startRedis(redis.command!, port);
    const apis: RuntimeApi[] = [];
    const fns: FunctionProcess[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const api = await startRuntimeApi();
        apis.push(api);
        fns.push(
          startFunction({
            api,
            taskRoot: TASK_ROOT,
            handler: 'ws.handler',
            mode: 'fd',
            format: 'JSON',
            env: { REDIS_URL: `redis://127.0.0.1:${port}` },
          }),
        );
      }
      await followsConnection([apis[0]!, fns[0]!], [apis[1]!, fns[1]!]);
    } finally {
      for (const fn of fns) await fn.stop();
      for (const api of apis) await api.close();
      await stopRedis(server);
    }
  });
});

describe('Lambda runtime, a response-streaming handler', { skip, timeout: 60_000 }, () => {
  test('stays a streaming handler and runs in its context', async () => {
    const api = await startRuntimeApi();
    const fn = startFunction({
      api,
      taskRoot: TASK_ROOT,
      handler: 'stream.handler',
      mode: 'fd',
      format: 'TEXT',
    });
    try {
      const outcome = await api.invoke(httpV2({ 'x-openreplay-sessiontoken': TOKEN }));
      assert.equal(outcome.kind, 'response', fn.stderr());
      assert.equal(outcome.body, 'part one, part two');
      await eventuallyLogged(fn.events, (e) => e.message.includes('streaming'));
      const line = fn.events.find((e) => e.message.includes('streaming /orders/7'));
      assert.equal(count(line?.message ?? '', TAG), 1, JSON.stringify(fn.events));
    } finally {
      await fn.stop();
      await api.close();
    }
  });
});

describe('Lambda runtime, the zero-code handler', { skip, timeout: 60_000 }, () => {
  test("the function's own handler, named in REPLAYLINK_LAMBDA_HANDLER, is wrapped", async () => {
    const api = await startRuntimeApi();
    const fn = startFunction({
      api,
      taskRoot: TASK_ROOT,
      handler: `${path.resolve('dist/adapters/lambda')}.handler`,
      mode: 'fd',
      format: 'TEXT',
      env: { REPLAYLINK_LAMBDA_HANDLER: 'unwrapped.handler' },
    });
    try {
      const ok = await api.invoke(httpV2({ 'x-openreplay-sessiontoken': TOKEN }));
      assert.equal(ok.kind, 'response', fn.stderr());
      const failed = await api.invoke({
        ...httpV2({ 'x-openreplay-sessiontoken': TOKEN }),
        rawPath: '/fail',
      });
      assert.equal(failed.kind, 'error');
      assert.equal(JSON.parse(failed.body).errorMessage, 'unwrapped failure');
      await eventuallyLogged(fn.events, (e) => e.message.includes('Invoke Error'));
      const handled = fn.events.filter((e) => e.message.includes('handled /orders/7'));
      assert.equal(handled.length, 1);
      assert.equal(count(handled[0]!.message, TAG), 1);
      const found = fn.events.filter((e) => openReplayToken(e.message) === TOKEN);
      assert.equal(found.length, 1, JSON.stringify(fn.events, null, 1));
      assert.ok(found[0]!.message.includes('Error: unwrapped failure'));
    } finally {
      await fn.stop();
      await api.close();
    }
  });
});

describe('Lambda runtime, the freeze after the response', { skip, timeout: 60_000 }, () => {
  test('the send API holds every captured event when the process is stopped', async () => {
    const receiver = await startReceiver({ apiKey: 'lambda-key', print: false });
    const api = await startRuntimeApi();
    const fn = startFunction({
      api,
      taskRoot: TASK_ROOT,
      handler: 'plain.handler',
      mode: 'fd',
      format: 'TEXT',
      env: { ENDPOINT: receiver.url },
    });
    const held: number[] = [];
    try {
      // Lambda freezes the process as soon as the result is posted: so does this test.
      api.onOutcome = () => {
        fn.child.kill('SIGSTOP');
        held.push(receiver.events.length);
      };
      const outcome = await api.invoke({
        ...restV1({ 'X-OpenReplay-SessionToken': TOKEN, 'br-recording-uuid': RECORDING }),
        queryStringParameters: { scenario: 'forward' },
      });
      assert.equal(outcome.kind, 'response', fn.stderr());
      const titles = receiver.events.map(
        (e) => `${e.type}:${e.type === 'log' ? e.payload : e.title}`,
      );
      assert.equal(held[0], 6, titles.join('\n'));
      for (let i = 0; i < 5; i++) assert.ok(titles.includes(`log:step ${i}`), titles.join('\n'));
      assert.ok(titles.includes('exception:Error: handled but reported'), titles.join('\n'));
      assert.ok(receiver.events.every((e) => e.uuid === RECORDING));
    } finally {
      fn.child.kill('SIGCONT');
      await fn.stop();
      await api.close();
      await receiver.close();
    }
  });
});

describe('Lambda runtime, a freeze in the middle of a send', { skip, timeout: 60_000 }, () => {
  test('a 7 s freeze while events are out loses nothing and blames no one', async () => {
    const receiver = await startReceiver({ apiKey: 'lambda-key', print: false });
    // In front of the receiver: holds the first requests until the function was stopped for
    // longer than its send timeout (7 s), answers them while it is stopped, then thaws it.
    let fn: FunctionProcess | undefined;
    let frozen: Promise<void> | undefined;
    const relay = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      frozen ??= (async () => {
        fn!.child.kill('SIGSTOP');
        await new Promise((resolve) => setTimeout(resolve, 8000));
      })();
      await frozen;
      const answer = await fetch(receiver.url, {
        method: 'POST',
        headers: {
          authorization: req.headers.authorization ?? '',
          'content-type': 'application/json',
        },
        body: Buffer.concat(chunks),
      });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(await answer.text());
    });
    relay.listen(0, '127.0.0.1');
    await once(relay, 'listening');
    const api = await startRuntimeApi();
    fn = startFunction({
      api,
      taskRoot: TASK_ROOT,
      handler: 'plain.handler',
      mode: 'fd',
      format: 'TEXT',
      env: {
        ENDPOINT: `http://127.0.0.1:${(relay.address() as AddressInfo).port}/api/fullstack/v1/send`,
        REPLAYLINK_DEBUG: '1',
      },
    });
    try {
      const invoked = api.invoke({
        ...restV1({ 'X-OpenReplay-SessionToken': TOKEN, 'br-recording-uuid': RECORDING }),
        queryStringParameters: { scenario: 'forward' },
      });
      for (let i = 0; i < 100 && frozen === undefined; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      await frozen;
      // Give the answers to the held requests time to reach the stopped process's sockets.
      await new Promise((resolve) => setTimeout(resolve, 200));
      fn.child.kill('SIGCONT');
      await invoked;
      for (let i = 0; i < 200 && receiver.events.length < 6; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const titles = receiver.events.map((e) => (e.type === 'log' ? e.payload : e.title));
      for (let i = 0; i < 5; i++) assert.ok(titles.includes(`step ${i}`), titles.join('\n'));
      assert.ok(titles.includes('Error: handled but reported'), titles.join('\n'));
      assert.doesNotMatch(fn.stderr(), /cannot reach the send API|event dropped/, fn.stderr());
    } finally {
      fn.child.kill('SIGCONT');
      await fn.stop();
      await api.close();
      relay.closeAllConnections();
      relay.close();
      await receiver.close();
    }
  });
});
