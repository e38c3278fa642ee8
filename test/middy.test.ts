// replaylink/middy inside lambdaHandler, with the real middy core.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import middy from '@middy/core';
import { lambdaHandler } from '../adapters/lambda.js';
import { replaylink } from '../adapters/middy.js';
import { getContext } from '../src/index.js';
import { useReceiver, withOutput } from './helpers.js';
import { RECORDING, restV1, TOKEN } from './lambda-events.js';

const KEY = 'middy-key';
const context = { awsRequestId: 'c6af9ac6-cccc', getRemainingTimeInMillis: () => 30_000 };
const TAG = `[openReplaySessionToken=${TOKEN}] `;

/** An error handler as users write them (what @middy/http-error-handler does). */
const answerErrors = {
  onError: async (request: { error?: unknown; response?: unknown }) => {
    request.response = { statusCode: 500, body: (request.error as Error).message };
  },
};

describe('replaylink/middy', () => {
  const receiver = useReceiver(KEY);

  test('an error an error handler answers is still logged once and forwarded', () =>
    withOutput({ apiKey: KEY, endpoint: receiver.url }, async (output) => {
      const handler = lambdaHandler(
        middy(async () => {
          console.log('charging', getContext()?.sessionToken);
          throw new TypeError('card declined');
        })
          .use(answerErrors)
          .use(replaylink()),
      );
      const event = restV1({ 'X-OpenReplay-SessionToken': TOKEN, 'br-recording-uuid': RECORDING });
      const response = await handler(event, context);
      assert.deepEqual(response, { statusCode: 500, body: 'card declined' });
      assert.match(
        output.stdout(),
        new RegExp(`^\\[openReplaySessionToken=${TOKEN}\\] .*charging ${TOKEN}`, 'm'),
      );
      const logged = output
        .stderr()
        .split('\n')
        .filter((l) => l.includes('TypeError: card declined'));
      assert.equal(logged.length, 1, output.stderr());
      assert.ok(logged[0]!.startsWith(TAG));
      const exceptions = receiver.events.filter((e) => e.type === 'exception');
      assert.deepEqual(
        exceptions.map((e) => e.title),
        ['TypeError: card declined'],
      );
    }));

  test('a rethrown error is logged once, by whichever sees it first', () =>
    withOutput({}, async (output) => {
      const handler = lambdaHandler(
        middy(async () => {
          throw new RangeError('out of stock');
        }).use(replaylink()),
      );
      await assert.rejects(
        handler(restV1({ 'X-OpenReplay-SessionToken': TOKEN }), context),
        RangeError,
      );
      assert.equal(output.stderr().split('RangeError: out of stock').length - 1, 1);
    }));

  test('outside lambdaHandler it says once how to wrap the handler', () =>
    withOutput({}, async (output) => {
      const handler = middy(async () => 'ok').use(replaylink());
      await handler({}, context as never);
      await handler({}, context as never);
      assert.equal(output.stderr().split('runs outside lambdaHandler').length - 1, 1);
    }));
});
