import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { startReceiver } from '../src/index.js';
import { useSeed } from './seed.js';

// fast-check runs from a printed seed (REPLAYLINK_SEED replays it).
useSeed();

const KEY = 'fuzz-key';
let receiver: Awaited<ReturnType<typeof startReceiver>>;
before(async () => {
  receiver = await startReceiver({ apiKey: KEY, print: false, maxBytes: 1024 * 1024 });
});
after(() => receiver.close());

/** Sends one request on its own connection; resolves with the status, or the socket error. */
function send(method: string, path: string, headers: Record<string, string>, body: Buffer) {
  return new Promise<number | string>((resolve) => {
    const req = http.request(
      `${receiver.base}${path}`,
      { method, headers, agent: false },
      (res) => {
        res.resume();
        if (path === '/events/stream' && res.statusCode === 200) res.destroy();
        res.on('close', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end(method === 'GET' || method === 'HEAD' ? undefined : body);
  });
}

const field = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string(), { maxKeys: 3 }),
);
const eventLike = fc.record(
  {
    uuid: fc.oneof(fc.string(), fc.constant('rec-fuzz'), field),
    type: fc.oneof(fc.constantFrom('log', 'exception', 'metric', ''), field),
    payload: field,
    level: field,
    timestamp: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(1e300)),
    metadata: field,
    title: fc.oneof(fc.string({ unit: 'binary' }), field),
    origin: field,
  },
  { requiredKeys: [] },
);
const bodyOf = fc.oneof(
  eventLike.map((e) => Buffer.from(JSON.stringify(e))),
  fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
  fc.json().map((text) => Buffer.from(text)),
  fc.string({ unit: 'binary' }).map((text) => Buffer.from(text)),
);
const compress: Record<string, (b: Buffer) => Buffer> = {
  gzip: gzipSync,
  deflate: deflateSync,
  br: brotliCompressSync,
};
const headerValue = fc.string({ maxLength: 40 }).filter((v) => /^[\t\x20-\x7e]*$/.test(v));
const request = fc.record({
  method: fc.oneof(
    { arbitrary: fc.constant('POST'), weight: 6 },
    fc.constantFrom('GET', 'DELETE', 'PUT', 'HEAD', 'OPTIONS'),
  ),
  path: fc.oneof(
    { arbitrary: fc.constant('/api/fullstack/v1/send'), weight: 6 },
    fc.constantFrom('/events', '/events/stream', '/stats', '/', '/page.js'),
    fc.constantFrom('/events?limit=', '/events?after=1e9', '/events?limit=-5&uuid=%00', '//x'),
    fc.webPath(),
  ),
  auth: fc.oneof(
    { arbitrary: fc.constant(`Bearer ${KEY}`), weight: 4 },
    headerValue,
    fc.constant(undefined),
  ),
  encoding: fc.constantFrom(undefined, 'gzip', 'deflate', 'br', 'GZIP', 'zstd', 'gzip, br'),
  compressHonestly: fc.boolean(),
  contentType: fc.oneof(fc.constant('application/json'), headerValue),
  body: bodyOf,
});

test('arbitrary requests get a 2xx or 4xx, never a 5xx or a crash', async () => {
  let runs = 0;
  const statuses = new Map<number | string, number>();
  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      runs++;
      const headers: Record<string, string> = { 'content-type': r.contentType };
      if (r.auth !== undefined) headers.authorization = r.auth;
      let body: Buffer = r.body;
      if (r.encoding !== undefined) {
        headers['content-encoding'] = r.encoding;
        const pack = compress[r.encoding.toLowerCase()];
        if (r.compressHonestly && pack) body = pack(body);
      }
      const status = await send(r.method, r.path, headers, body);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      assert.ok(typeof status === 'number' && status >= 200 && status < 500, `status ${status}`);
    }),
    { numRuns: 200 },
  );
  process.stdout.write(
    `# fuzz: ${runs} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`,
  );
  assert.equal(runs, 200);
  assert.ok(receiver.stats().bytes <= 1024 * 1024);
  const alive = await send('GET', '/stats', { authorization: `Bearer ${KEY}` }, Buffer.alloc(0));
  assert.equal(alive, 200);
});
