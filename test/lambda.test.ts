// lambdaHandler called in process, as the Lambda runtime calls it: event, context.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import fc from 'fast-check';
import Koa from 'koa';
import serverless from 'serverless-http';
import { expressMiddleware } from '../adapters/express.js';
import { koaMiddleware } from '../adapters/koa.js';
import { lambdaHandler, lambdaHandlerFromEnv, loadLambdaHandler } from '../adapters/lambda.js';
import { close, getContext, init, ReplayLinkError, stats } from '../src/index.js';
import { tagArguments, withFields } from '../src/lambda/console.js';
import { idHeaders, recognise } from '../src/lambda/event.js';
import { useReceiver, withOutput } from './helpers.js';
import {
  alb,
  functionUrl,
  httpV2,
  RECORDING,
  restV1,
  sqs,
  TOKEN,
  wsConnect,
  wsDisconnect,
  wsMessage,
} from './lambda-events.js';

const KEY = 'lambda-test-key';

function lambdaContext(remainingMs = 30_000) {
  const deadline = Date.now() + remainingMs;
  return {
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
}

/** The context a wrapped handler sees for `event`. */
function seen(event: unknown, options?: Parameters<typeof lambdaHandler>[1]) {
  return lambdaHandler(async () => getContext(), options)(event, lambdaContext());
}

describe('lambdaHandler: the ids of each kind of event', () => {
  before(() => init());
  after(() => close());

  test('REST v1: headers in any case, request id from API Gateway', async () => {
    const context = await seen(restV1({ 'X-OpenReplay-SessionToken': TOKEN }));
    assert.equal(context?.sessionToken, TOKEN);
    assert.equal(context?.requestId, '77375676-xmpl-4b79-853a-f982474efe18');
    assert.equal(context?.method, 'GET');
    assert.equal(context?.path, '/orders/7');
  });

  test('REST v1: an id repeated in multiValueHeaders is ambiguous and dropped', async () => {
    const event = restV1({ 'X-OpenReplay-SessionToken': TOKEN });
    event.multiValueHeaders['X-OpenReplay-SessionToken'] = [TOKEN, 'other.token'];
    const context = await seen(event);
    assert.equal(context?.sessionToken, undefined);
  });

  test('HTTP API v2, function URL and ALB', async () => {
    for (const make of [httpV2, functionUrl, alb]) {
      const context = await seen(
        make({ 'x-openreplay-sessiontoken': TOKEN, 'br-recording-uuid': RECORDING }),
      );
      assert.equal(context?.sessionToken, TOKEN, make.name);
      assert.equal(context?.recordingId, RECORDING, make.name);
      assert.equal(context?.path, '/orders/7', make.name);
    }
    assert.equal(recognise(httpV2()).kind, 'http');
    assert.equal(recognise(functionUrl()).kind, 'url');
    assert.equal(recognise(alb()).kind, 'alb');
    assert.equal(recognise(restV1()).kind, 'rest');
  });

  test('the x-request-id header wins; else the Lambda request id', async () => {
    const event = httpV2({ 'x-request-id': 'req-from-browser' });
    assert.equal((await seen(event))?.requestId, 'req-from-browser');
    assert.equal((await seen({ any: 'thing' }))?.requestId, lambdaContext().awsRequestId);
  });

  test('WebSocket $connect: the token in the query string, names configurable', async () => {
    const connect = wsConnect('L0SM9cOFvHcCIhw=', { 'x-openreplay-sessiontoken': TOKEN });
    const context = await seen(connect);
    assert.equal(context?.sessionToken, TOKEN);
    assert.equal(context?.method, 'CONNECT');
    assert.equal(context?.path, '$connect');
    const named = wsConnect('L0SM9cOFvHcCIhw=', { openReplaySessionToken: TOKEN });
    assert.equal((await seen(named))?.sessionToken, undefined);
    const options = { queryParameters: { sessionToken: 'openReplaySessionToken' } };
    assert.equal((await seen(named, options))?.sessionToken, TOKEN);
    assert.equal(recognise(wsMessage('L0SM9cOFvHcCIhw=')).kind, 'websocket');
    assert.equal(recognise(wsDisconnect('L0SM9cOFvHcCIhw=')).kind, 'websocket');
  });

  test('SQS: the ids of a carrier() put in the first record message attributes', async () => {
    const event = sqs({ 'x-openreplay-sessiontoken': TOKEN, 'br-recording-uuid': RECORDING });
    const context = await seen(event);
    assert.equal(context?.sessionToken, TOKEN);
    assert.equal(context?.recordingId, RECORDING);
    assert.equal(context?.method, 'SQS');
  });

  test('options are checked at set-up, naming the option', () => {
    assert.throws(
      () => lambdaHandler(async () => 1, { flushMarginMs: -1 }),
      (error: unknown) => error instanceof ReplayLinkError && /flushMarginMs/.test(error.message),
    );
    assert.throws(
      () => lambdaHandler(async () => 1, { queryParameters: { token: 'x' } as never }),
      /queryParameters\.token/,
    );
    assert.throws(() => lambdaHandler('nope' as never), TypeError);
  });

  test('whatever the event, the handler runs and only valid ids come out', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.string(), async (event, token) => {
        const headers = { 'X-OpenReplay-SessionToken': token };
        for (const shaped of [
          event,
          { ...restV1(headers), headers: event },
          { Records: [event] },
        ]) {
          const context = await seen(shaped);
          assert.ok(context !== undefined);
          if (context.sessionToken !== undefined)
            assert.match(context.sessionToken, /^[A-Za-z0-9._~+/=-]+$/);
        }
        const ids = idHeaders(recognise({ ...restV1(headers) }), {
          headers: ['x-openreplay-sessiontoken'],
          query: [undefined],
        });
        assert.equal(ids['x-openreplay-sessiontoken'], token);
      }),
      { numRuns: 200 },
    );
  });
});

describe('lambdaHandler: errors and delivery', () => {
  const receiver = useReceiver(KEY);

  test('a thrown error is logged once with the tag, forwarded once, rethrown unchanged', () =>
    withOutput({ apiKey: KEY, endpoint: receiver.url }, async (output) => {
      const thrown = new RangeError('quantity 0');
      const handler = lambdaHandler(async () => {
        throw thrown;
      });
      const nested = lambdaHandler(handler);
      const event = restV1({ 'X-OpenReplay-SessionToken': TOKEN, 'br-recording-uuid': RECORDING });
      await assert.rejects(nested(event, lambdaContext()), (error) => error === thrown);
      const lines = output
        .stderr()
        .split('\n')
        .filter((l) => l.includes('RangeError: quantity 0'));
      assert.equal(lines.length, 1, output.stderr());
      assert.ok(lines[0]!.startsWith(`[openReplaySessionToken=${TOKEN}] `), lines[0]);
      // Delivered before the wrapped handler settled.
      const exceptions = receiver.events.filter((e) => e.type === 'exception');
      assert.equal(exceptions.length, 1);
      assert.equal(exceptions[0]!.title, 'RangeError: quantity 0');
    }));

  test('logErrors: false leaves the logging to the application', () =>
    withOutput({}, async (output) => {
      const handler = lambdaHandler(
        async () => {
          throw new Error('quiet');
        },
        { logErrors: false },
      );
      await assert.rejects(handler({}, lambdaContext()), /quiet/);
      assert.equal(output.stderr(), '');
    }));

  test('delivery never runs into the function timeout: the margin is kept', async () => {
    // An endpoint that never answers.
    const sockets = new Set<import('node:net').Socket>();
    const silent = http.createServer(() => {});
    silent.on('connection', (socket) => sockets.add(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as AddressInfo;
    try {
      await withOutput(
        {
          apiKey: KEY,
          endpoint: `http://127.0.0.1:${port}/send`,
          timeoutMs: 60_000,
          shutdownTimeoutMs: 60_000,
        },
        async () => {
          const handler = lambdaHandler(async () => {
            throw new Error('slow endpoint');
          });
          const event = restV1({ 'br-recording-uuid': RECORDING });
          const { sent, queued } = stats();
          // 400 ms left, 500 kept free: no waiting at all; the test's timeout bounds it.
          await assert.rejects(handler(event, lambdaContext(400)), /slow endpoint/);
          assert.equal(stats().sent - sent, 0);
          // The exception, and the logged error line as a log event.
          assert.equal(stats().queued - queued, 2);
        },
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

describe('the handler named in REPLAYLINK_LAMBDA_HANDLER', () => {
  before(() => init());
  after(() => close());
  const root = 'test/fixtures/lambda';

  test('is loaded as Lambda loads one, and wrapped', async () => {
    const original = await loadLambdaHandler('unwrapped.handler', root);
    assert.equal(typeof original, 'function');
    process.env.REPLAYLINK_LAMBDA_HANDLER = 'unwrapped.handler';
    const cwd = process.env.LAMBDA_TASK_ROOT;
    process.env.LAMBDA_TASK_ROOT = root;
    try {
      const handler = lambdaHandlerFromEnv();
      const result = await handler(httpV2({ 'x-openreplay-sessiontoken': TOKEN }), lambdaContext());
      assert.deepEqual(result, { statusCode: 200, body: 'ok' });
    } finally {
      delete process.env.REPLAYLINK_LAMBDA_HANDLER;
      if (cwd === undefined) delete process.env.LAMBDA_TASK_ROOT;
      else process.env.LAMBDA_TASK_ROOT = cwd;
    }
  });

  test('a wrong name says what is wrong', async () => {
    await assert.rejects(loadLambdaHandler('nodot', root), /not a handler name/);
    await assert.rejects(loadLambdaHandler('../x.handler', root), /not a handler name/);
    await assert.rejects(loadLambdaHandler('missing.handler', root), /no module/);
    await assert.rejects(
      loadLambdaHandler('unwrapped.nothing', root),
      /no function export "nothing"/,
    );
    await assert.rejects(
      lambdaHandlerFromEnv()({}, lambdaContext()),
      /set REPLAYLINK_LAMBDA_HANDLER/,
    );
  });
});

describe('the runtime console record', () => {
  const prefix = `[openReplaySessionToken=${TOKEN}] `;

  test('the tag leads the message once, format strings keep their meaning', () => {
    assert.deepEqual(tagArguments(prefix, ['a %s', 'b']), [`${prefix}a %s`, 'b']);
    assert.deepEqual(tagArguments(prefix, [{ a: 1 }]), [prefix.trimEnd(), { a: 1 }]);
    assert.deepEqual(tagArguments('[t=%] ', ['x', 1]), ['[t=%%] x', 1]);
  });

  test('fields added to any JSON record keep it valid JSON', () => {
    const fields = `,"openReplaySessionToken":"${TOKEN}"`;
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.boolean(), (record, newline) => {
        const text = JSON.stringify(record) + (newline ? '\n' : '');
        const out = withFields(text, fields);
        assert.equal(out.endsWith('\n'), newline);
        const parsed = JSON.parse(out) as Record<string, unknown>;
        assert.equal(parsed.openReplaySessionToken, TOKEN);
      }),
    );
    assert.equal(withFields('not json\n', fields), 'not json\n');
  });
});

describe('frameworks behind serverless-http, in process', () => {
  const event = () => httpV2({ 'x-openreplay-sessiontoken': TOKEN });
  const line = `[openReplaySessionToken=${TOKEN}] loading order 7\n`;

  test('Koa with its middleware mounted: the line stamped once', () =>
    withOutput({}, async (output) => {
      const app = new Koa();
      app.use(koaMiddleware());
      app.use((ctx) => {
        console.log('loading order 7');
        ctx.body = { id: 7 };
      });
      const response = (await lambdaHandler(serverless(app))(event(), lambdaContext())) as {
        statusCode: number;
      };
      assert.equal(response.statusCode, 200);
      assert.equal(output.stdout(), line);
    }));

  test('Express with its middleware mounted: the line stamped once', () =>
    withOutput({}, async (output) => {
      const app = express();
      app.use(expressMiddleware());
      app.get('/orders/:id', (req, res) => {
        console.log('loading order', req.params.id);
        res.json({ id: req.params.id });
      });
      const response = (await lambdaHandler(serverless(app))(event(), lambdaContext())) as {
        statusCode: number;
      };
      assert.equal(response.statusCode, 200);
      assert.equal(output.stdout(), line);
    }));
});
