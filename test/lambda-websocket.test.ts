// A WebSocket API's invocations follow the ids of their $connect, through a connection
// store: in memory (one instance) and in a real redis-server (instances sharing it).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { lambdaHandler, memoryConnections } from '../adapters/lambda.js';
import { close, getContext, init, redisStore } from '../src/index.js';
import { freePort, withOutput } from './helpers.js';
import { RECORDING, TOKEN, wsConnect, wsDisconnect, wsMessage } from './lambda-events.js';
import { findService, REDIS, startRedis, stopRedis } from './services.js';

const context = { awsRequestId: 'c6af9ac6-bbbb', getRemainingTimeInMillis: () => 30_000 };
const seen = async () => getContext();

function connectEvent(connectionId: string) {
  // A browser's WebSocket cannot set headers: the ids come in the query string.
  return wsConnect(connectionId, {
    'x-openreplay-sessiontoken': TOKEN,
    'br-recording-uuid': RECORDING,
  });
}

describe('WebSocket connections, in memory', () => {
  before(() => init());
  after(() => close());

  test('MESSAGE and $disconnect run with the ids of their $connect', async () => {
    const handler = lambdaHandler(seen, { connections: memoryConnections() });
    const connected = await handler(connectEvent('conn-A='), context);
    assert.equal(connected?.sessionToken, TOKEN);
    const message = await handler(wsMessage('conn-A='), context);
    assert.equal(message?.sessionToken, TOKEN);
    assert.equal(message?.recordingId, RECORDING);
    assert.equal(message?.method, 'MESSAGE');
    // Each message keeps its own request id.
    assert.equal(message?.requestId, 'MxmplF3aIAMFfcQ=');
    const other = await handler(wsMessage('conn-B='), context);
    assert.equal(other?.sessionToken, undefined, 'another connection has no ids');
    assert.equal((await handler(wsDisconnect('conn-A='), context))?.sessionToken, TOKEN);
    // Forgotten after $disconnect.
    assert.equal((await handler(wsMessage('conn-A='), context))?.sessionToken, undefined);
  });

  test('expired connections are forgotten; connections: false keeps nothing', async () => {
    const store = memoryConnections();
    await store.set('old', { 'x-openreplay-sessiontoken': TOKEN }, 1000);
    assert.deepEqual(await store.get('old'), { 'x-openreplay-sessiontoken': TOKEN });
    await store.set('old', { 'x-openreplay-sessiontoken': TOKEN }, -1);
    assert.equal(await store.get('old'), undefined);
    const handler = lambdaHandler(seen, { connections: false });
    await handler(connectEvent('conn-C='), context);
    assert.equal((await handler(wsMessage('conn-C='), context))?.sessionToken, undefined);
  });

  test('a stored value that is not an id is refused when read back', async () => {
    const store = memoryConnections();
    const handler = lambdaHandler(seen, { connections: store });
    await store.set('conn-D=', { 'x-openreplay-sessiontoken': 'bad token]' }, 60_000);
    assert.equal((await handler(wsMessage('conn-D='), context))?.sessionToken, undefined);
  });

  test('a failing store is reported once and never fails the invocation', () =>
    withOutput({}, async (output) => {
      const broken = {
        set: async () => {
          throw new Error('down');
        },
        get: () => {
          throw new Error('down');
        },
        delete: async () => {},
      };
      const handler = lambdaHandler(seen, { connections: broken });
      assert.equal((await handler(connectEvent('conn-E='), context))?.sessionToken, TOKEN);
      assert.equal((await handler(wsMessage('conn-E='), context))?.sessionToken, undefined);
      assert.equal(output.stderr().split('connection store failed (down)').length - 1, 1);
    }));
});

const redisServer = findService(REDIS);

describe('WebSocket connections, shared through Redis', { skip: redisServer.skip }, () => {
  let redis: ChildProcess;
  let url: string;

  before(async () => {
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redis = await startRedis(redisServer.command!, port);
    init();
  });
  after(async () => {
    await close();
    await stopRedis(redis);
  });

  test('an instance that never saw $connect runs MESSAGE and $disconnect with its ids', async () => {
    // Two warm instances: each its own wrapper and its own Redis client.
    const storeA = redisStore({ url, keyPrefix: 'lambda-test' });
    const storeB = redisStore({ url, keyPrefix: 'lambda-test' });
    try {
      const instanceA = lambdaHandler(seen, { connections: storeA });
      const instanceB = lambdaHandler(seen, { connections: storeB });
      assert.equal((await instanceA(connectEvent('conn-R='), context))?.sessionToken, TOKEN);
      const message = await instanceB(wsMessage('conn-R='), context);
      assert.equal(message?.sessionToken, TOKEN);
      assert.equal(message?.recordingId, RECORDING);
      assert.equal((await instanceB(wsDisconnect('conn-R='), context))?.sessionToken, TOKEN);
      assert.equal((await instanceA(wsMessage('conn-R='), context))?.sessionToken, undefined);
    } finally {
      await storeA.close();
      await storeB.close();
    }
  });
});
