import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { startReceiver } from '../src/index.js';
import { request } from './helpers.js';

let receiver: Awaited<ReturnType<typeof startReceiver>>;
before(async () => {
  receiver = await startReceiver({ apiKey: 'K', print: false });
});
after(() => receiver.close());

const post = (body: unknown, headers: Record<string, string> = { authorization: 'Bearer K' }) =>
  request(receiver.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const valid = {
  uuid: 'rec-1',
  type: 'log',
  payload: '{"a":1}',
  level: 'info',
  timestamp: 1700000000000,
  metadata: '{}',
  title: 'hello',
  origin: 'test',
};

test('a bad api key is answered with ErrUserNotLoggedIn', async () => {
  const reply = await post(valid, { authorization: 'Bearer nope' });
  assert.equal(reply.status, 401);
  assert.deepEqual(JSON.parse(reply.body), {
    success: 'false',
    error: [{ error_name: 'ErrUserNotLoggedIn', message: 'User is not logged in!' }],
  });
});

test('no recording id: "doing nothing"', async () => {
  const reply = await post({ ...valid, uuid: '' });
  assert.deepEqual(JSON.parse(reply.body), {
    success: 'false',
    error: [{ error_name: '', message: 'No BugReplay-Recording-UUID, doing nothing' }],
  });
});

test('a type other than log or exception is a validation error', async () => {
  const reply = await post({ ...valid, type: 'metric' });
  assert.deepEqual(JSON.parse(reply.body), {
    success: 'false',
    error: [{ error_name: '', message: "Type must be 'log' or 'exception'" }],
  });
});

test('malformed JSON and wrong field types are refused', async () => {
  assert.equal((await post('{nope')).status, 400);
  assert.match((await post({ ...valid, timestamp: 'now' })).body, /timestamp must be an integer/);
});

test('an accepted event is answered like the real API and listed at /events', async () => {
  const reply = await post(valid);
  const parsed = JSON.parse(reply.body);
  assert.equal(parsed.success, 'true');
  assert.equal(parsed.data.success, true);
  assert.equal(parsed.data.data.ok.uuid, 'rec-1');
  assert.equal(parsed.data.data.ok.type, 'log');
  assert.equal(typeof parsed.data.data.ok.id, 'number');
  const list = async (query: string) =>
    JSON.parse(
      (await request(`${receiver.base}/events${query}`, { headers: { authorization: 'Bearer K' } }))
        .body,
    ).events;
  const listed = await list('?uuid=rec-1');
  assert.equal(listed.length, 1);
  assert.equal(listed[0].title, 'hello');
  assert.equal((await list('?uuid=other')).length, 0);
});

test('compressed bodies are decoded', async () => {
  const reply = await new Promise<number>((resolve, reject) => {
    import('node:http').then(({ default: http }) => {
      const req = http.request(
        receiver.url,
        { method: 'POST', headers: { authorization: 'Bearer K', 'content-encoding': 'gzip' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(gzipSync(JSON.stringify({ ...valid, uuid: 'gz' })));
    });
  });
  assert.equal(reply, 200);
  assert.equal(receiver.events.find((e) => e.uuid === 'gz')?.encoding, 'gzip');
});
