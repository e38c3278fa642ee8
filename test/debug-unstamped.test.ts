import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import express from 'express';
import fc from 'fast-check';
import { expressMiddleware } from '../adapters/express.js';
import { isValidId, rejectionReason } from '../src/core/headers.js';
import { init, stats } from '../src/index.js';
import { type CapturedOutput, quietly, request, type Served, serve } from './helpers.js';
import { useSeed } from './seed.js';

// fast-check runs from a printed seed (REPLAYLINK_SEED replays it).
useSeed();

// "Why is this line not stamped?": with debug, one set-up line and one line per request
// that carries no usable id (no header, a near-miss name, a rejected value), bounded under
// a flood; without debug, silence; `stats().unstamped` counts every case either way.

/** The Express app of the report: one route that logs a line. */
async function app(options?: Parameters<typeof expressMiddleware>[0]): Promise<Served> {
  const server = express();
  server.use(expressMiddleware(options));
  server.get('/orders', (_req, res) => {
    console.log('handled');
    res.end('ok');
  });
  return serve(server as never);
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '');
/** replaylink's own lines on stderr (Node may add an ExperimentalWarning for mock timers). */
const said = (output: CapturedOutput) =>
  lines(output.stderr()).filter((line) => line.startsWith('replaylink: '));

/** `stats().unstamped` counted since `before` (the counters live as long as the process). */
function unstampedSince(before: ReturnType<typeof stats>) {
  const now = stats().unstamped;
  return {
    noIdHeader: now.noIdHeader - before.unstamped.noIdHeader,
    nearMissHeader: now.nearMissHeader - before.unstamped.nearMissHeader,
    rejectedId: now.rejectedId - before.unstamped.rejectedId,
  };
}

async function fourRequests(url: string): Promise<void> {
  await request(`${url}/orders`);
  await request(`${url}/orders`, { headers: { 'openreplay-sessiontoken': 'tok.1' } });
  await request(`${url}/orders`, { headers: { 'x-openreplay-sessiontoken': 'abc[1]' } });
  await request(`${url}/orders`, { headers: { 'x-openreplay-sessiontoken': 'good.token' } });
}

test('REPLAYLINK_DEBUG=1: one set-up line, then why each unstamped request is not stamped', async () => {
  process.env.REPLAYLINK_DEBUG = '1';
  try {
    await quietly(async (output) => {
      const before = stats();
      const served = await app();
      try {
        await fourRequests(served.url);
      } finally {
        await served.close();
      }
      assert.deepEqual(lines(output.stdout()), [
        'handled',
        'handled',
        'handled',
        '[openReplaySessionToken=good.token] handled',
      ]);
      const said = lines(output.stderr());
      assert.equal(said.length, 4, said.join('\n'));
      assert.match(
        said[0]!,
        /^replaylink: set up: reads x-openreplay-sessiontoken, x-openreplay-session-token, br-recording-uuid, x-openreplay-session-id .*; stamps stdout and stderr with openReplaySessionToken, .*; forwards nothing \(no apiKey\); access log: off; live sessions: off$/,
      );
      assert.match(
        said[1]!,
        /^replaylink: GET \/orders: lines not stamped, no id header \(looked for x-openreplay-sessiontoken, x-openreplay-session-token, br-recording-uuid, x-openreplay-session-id; saw none in host, /,
      );
      assert.equal(
        said[2],
        'replaylink: GET /orders: lines not stamped, header "openreplay-sessiontoken" is not one replaylink reads (did you mean "x-openreplay-sessiontoken"?)',
      );
      assert.equal(
        said[3],
        'replaylink: GET /orders: lines not stamped, x-openreplay-sessiontoken rejected: forbidden character "[" at position 4 of 6 (value not shown)',
      );
      assert.ok(!output.stderr().includes('abc[1]'), 'the rejected value is never printed');
      assert.deepEqual(unstampedSince(before), { noIdHeader: 1, nearMissHeader: 1, rejectedId: 1 });
    });
  } finally {
    delete process.env.REPLAYLINK_DEBUG;
  }
});

test('without debug nothing extra is printed, and stats() still counts every reason', async () => {
  await quietly(async (output) => {
    const before = stats();
    const served = await app();
    try {
      await fourRequests(served.url);
    } finally {
      await served.close();
    }
    assert.equal(output.stderr(), '');
    assert.equal(lines(output.stdout()).length, 4);
    assert.deepEqual(unstampedSince(before), { noIdHeader: 1, nearMissHeader: 1, rejectedId: 1 });
    assert.equal(stats().invalidHeaders.sessionToken - before.invalidHeaders.sessionToken, 1);
  });
});

test('the set-up line names the endpoint without the key, the access log and the live sessions store', async () => {
  await quietly(async (output) => {
    init({
      debug: true,
      apiKey: 'sk_secret_key_never_printed',
      endpoint: 'https://user:pw@collector.example/api/fullstack/v1/send?token=t',
      liveSessions: { projectKey: 'shop' },
    });
    const served = await app({ accessLog: { format: 'clf', stream: () => {} } });
    await served.close();
    const said = lines(output.stderr());
    assert.equal(said.length, 2, said.join('\n'));
    assert.match(
      said[0]!,
      /forwards exceptions and console logs from info to https:\/\/collector\.example\/api\/fullstack\/v1\/send \(api key set\); access log: off; live sessions: on, in-process memory store$/,
    );
    assert.equal(said[1], 'replaylink: access log on for a middleware: clf format to a function');
    for (const secret of ['sk_secret_key_never_printed', 'pw@', 'token=t'])
      assert.ok(!output.stderr().includes(secret), secret);
  });
});

test('near-miss header names: a missing x-, a stray x-, other separators, known aliases', async () => {
  const names = [
    'openreplay-sessiontoken',
    'openreplay-session-token',
    'x_openreplay_sessiontoken',
    'x-br-recording-uuid',
    'bugreplay-recording-uuid',
    'openreplay-session-id',
  ];
  await quietly(async (output) => {
    const before = stats();
    init({ debug: true });
    const served = await app();
    try {
      for (const name of names)
        await request(`${served.url}/orders`, { headers: { [name]: 'v1' } });
      await request(`${served.url}/orders`, { headers: { 'x-unrelated': 'v1' } });
    } finally {
      await served.close();
    }
    // Five explained (the rest only counted): the last alias and the unrelated name.
    const said = lines(output.stderr()).slice(1);
    assert.deepEqual(
      said.map((line) =>
        /header "([^"]+)" is not one replaylink reads \(did you mean "([^"]+)"/
          .exec(line)
          ?.slice(1),
      ),
      [
        ['openreplay-sessiontoken', 'x-openreplay-sessiontoken'],
        ['openreplay-session-token', 'x-openreplay-sessiontoken'],
        ['x_openreplay_sessiontoken', 'x-openreplay-sessiontoken'],
        ['x-br-recording-uuid', 'br-recording-uuid'],
        ['bugreplay-recording-uuid', 'br-recording-uuid'],
      ],
    );
    assert.deepEqual(unstampedSince(before), { noIdHeader: 1, nearMissHeader: 6, rejectedId: 0 });
  });
});

test('a flood of requests without ids: five explained, the rest summed up once a minute', async () => {
  await quietly(async (output) => {
    const before = stats();
    init({ debug: true });
    const served = await app();
    // Only the library's summary interval is driven by hand; HTTP keeps its real timers.
    mock.timers.enable({ apis: ['setInterval'] });
    try {
      for (let i = 0; i < 200; i++) await request(`${served.url}/orders`);
      await request(`${served.url}/orders`, { headers: { 'x-openreplay-sessiontoken': 'a b' } });
      assert.equal(said(output).length, 1 + 5, output.stderr());
      mock.timers.tick(60_000);
      mock.timers.tick(60_000);
    } finally {
      mock.timers.reset();
      await served.close();
    }
    const printed = said(output);
    assert.equal(printed.length, 1 + 5 + 1, printed.join('\n'));
    assert.match(printed[5]!, /further ones are summed up once a minute$/);
    assert.equal(
      printed[6],
      'replaylink: 196 more requests not stamped in the last minute: 195 without an id header, 0 with a near-miss header name, 1 with a rejected id (stats().unstamped counts them all)',
    );
    assert.deepEqual(unstampedSince(before), { noIdHeader: 200, nearMissHeader: 0, rejectedId: 1 });
  });
});

const REASON =
  /^(sent \d+ times \(a repeated id is ambiguous\)|not text|empty|too long \(\d+ characters, at most \d+\)|repeated or a list \(contains ","\)|forbidden character ("[\x21-\x7e]"|U\+[0-9A-F]{4,6}) at position \d+ of \d+)$/;

test('rejectionReason: undefined exactly for valid ids, otherwise a fixed phrase that never quotes the value', () => {
  const kinds = ['sessionToken', 'recordingId', 'requestId', 'sessionId'] as const;
  const value = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.stringMatching(/^[A-Za-z0-9._~+/=-]{1,30}$/),
    fc.string({ minLength: 500, maxLength: 600 }),
    fc.array(fc.string({ maxLength: 8 }), { minLength: 2, maxLength: 3 }),
  );
  fc.assert(
    fc.property(fc.constantFrom(...kinds), value, (kind, candidate) => {
      const why = rejectionReason(kind, candidate);
      assert.equal(why === undefined, isValidId(kind, candidate));
      if (why !== undefined) assert.match(why, REASON);
    }),
    { numRuns: 2000 },
  );
  // Fixed cases: each reason once.
  assert.equal(
    rejectionReason('sessionToken', ['a', 'b']),
    'sent 2 times (a repeated id is ambiguous)',
  );
  assert.equal(rejectionReason('sessionToken', 'a, b'), 'repeated or a list (contains ",")');
  assert.equal(
    rejectionReason('recordingId', 'x'.repeat(129)),
    'too long (129 characters, at most 128)',
  );
  assert.equal(rejectionReason('sessionId', '12a'), 'forbidden character "a" at position 3 of 3');
  assert.equal(
    rejectionReason('sessionToken', 'a\tb'),
    'forbidden character U+0009 at position 2 of 3',
  );
  assert.equal(rejectionReason('sessionToken', ''), 'empty');
});
