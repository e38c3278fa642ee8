import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { test } from 'node:test';
import express from 'express';
import fc from 'fast-check';
import { expressMiddleware } from '../adapters/express.js';
import { sessionIdOfToken } from '../src/core/headers.js';
import {
  carrier,
  contextTags,
  getContext,
  type ReplayLinkOptions,
  runWithContext,
  stats,
} from '../src/index.js';
import { type CapturedOutput, request, serve, withOutput } from './helpers.js';
import { mintToken } from './openreplay.js';
import { useSeed } from './seed.js';

// fast-check runs from a printed seed (REPLAYLINK_SEED replays it).
useSeed();

const SECRET = 'ingest-secret';
const TOKEN = mintToken(SECRET, 16140324065183488n, 1_900_000_000_000);

/** Serves an Express app whose handler logs one line and answers with its context. */
async function call(
  options: ReplayLinkOptions | undefined,
  headers: Record<string, string>,
  check: (output: CapturedOutput, body: Record<string, unknown>) => void,
): Promise<void> {
  await withOutput(options, async (output) => {
    const app = express();
    app.use(expressMiddleware());
    app.get('/', (_req, res) => {
      console.log('handled');
      res.json({ ...getContext(), fields: contextTags()?.fields ?? null });
    });
    const server = await serve(app as unknown as RequestListener);
    try {
      const reply = await request(`${server.url}/`, { headers });
      check(output, JSON.parse(reply.body));
    } finally {
      await server.close();
    }
  });
}

test("the numeric session id is read from a token of OpenReplay's shape, beyond 2^53", () => {
  assert.equal(TOKEN.split('.')[0], '4ex9mihlbls');
  assert.equal(sessionIdOfToken(TOKEN), '16140324065183488');
  const max = mintToken(SECRET, 2n ** 64n - 1n, 1_900_000_000_000);
  assert.equal(sessionIdOfToken(max), '18446744073709551615');
  // One past uint64, as OpenReplay's ParseUint would refuse it.
  assert.equal(sessionIdOfToken(max.replace(/^3w5e11264sgsf/, '3w5e11264sgsg')), undefined);
  for (const other of ['8f2c.91ab', 'demo.token.1', TOKEN.toUpperCase(), `${TOKEN}.x`, `${TOKEN}0`])
    assert.equal(sessionIdOfToken(other), undefined, other);
});

test('property: any id OpenReplay mints is read back; any other text gives a uint64 or nothing', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }),
      fc.integer({ min: 0, max: 2 ** 47 }),
      fc.string(),
      (id, expiry, secret) => {
        assert.equal(sessionIdOfToken(mintToken(secret, id, expiry)), id.toString());
      },
    ),
  );
  fc.assert(
    fc.property(
      fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-z]{1,14}\.[0-9a-z.]{1,60}$/)),
      (text) => {
        const id = sessionIdOfToken(text);
        if (id !== undefined) assert.ok(/^[1-9][0-9]{0,19}$/.test(id) && BigInt(id) < 2n ** 64n);
      },
    ),
  );
});

test("with only the tracker's token, lines and logger fields carry both the token and the session id", async () => {
  await call(undefined, { 'x-openreplay-sessiontoken': TOKEN }, (output, body) => {
    assert.equal(
      output.stdout(),
      `[openReplaySessionToken=${TOKEN}] [openReplaySession.id=16140324065183488] handled\n`,
    );
    assert.equal(body.sessionId, '16140324065183488');
    assert.deepEqual(body.fields, {
      openReplaySessionToken: TOKEN,
      'openReplaySession.id': '16140324065183488',
    });
  });
});

test('a sent X-OpenReplay-Session-Id wins over the one in the token', async () => {
  const headers = { 'x-openreplay-sessiontoken': TOKEN, 'x-openreplay-session-id': '42' };
  await call(undefined, headers, (output, body) => {
    assert.match(output.stdout(), /\[openReplaySession\.id=42\] handled/);
    assert.equal(body.sessionId, '42');
  });
});

test('sessionIdFromToken: false stamps the token alone, as does a token of another shape', async () => {
  await call({ sessionIdFromToken: false }, { 'x-openreplay-sessiontoken': TOKEN }, (output) => {
    assert.equal(output.stdout(), `[openReplaySessionToken=${TOKEN}] handled\n`);
  });
  await call(undefined, { 'x-openreplay-sessiontoken': 'demo.token.1' }, (output, body) => {
    assert.equal(output.stdout(), '[openReplaySessionToken=demo.token.1] handled\n');
    assert.equal(body.sessionId, undefined);
  });
});

test('the axios name X-OpenReplay-Session-Token is read too; the configured name is read first', async () => {
  await call(undefined, { 'X-OpenReplay-Session-Token': TOKEN }, (output) => {
    assert.match(output.stdout(), /^\[openReplaySessionToken=4ex9mihlbls\.[^\]]+\] \[openReplay/);
  });
  const headers = { 'x-my-token': 'mine.1', 'x-openreplay-session-token': 'other.2' };
  await call({ headers: { sessionToken: 'X-My-Token' } }, headers, (output) => {
    assert.equal(output.stdout(), '[openReplaySessionToken=mine.1] handled\n');
  });
});

test('two token headers with different values: the configured one is kept and the conflict counted', async () => {
  const same = { 'x-openreplay-sessiontoken': 'tok.1', 'x-openreplay-session-token': 'tok.1' };
  const before = stats().tokenHeaderConflicts;
  await call(undefined, same, (output) => {
    assert.equal(output.stdout(), '[openReplaySessionToken=tok.1] handled\n');
    assert.equal(stats().tokenHeaderConflicts, before);
  });
  const differ = { 'x-openreplay-session-token': 'tok.2', 'x-openreplay-sessiontoken': 'tok.1' };
  await call(undefined, differ, (output) => {
    assert.equal(output.stdout(), '[openReplaySessionToken=tok.1] handled\n');
    assert.equal(stats().tokenHeaderConflicts, before + 1);
  });
});

test('jobs: runWithContext reads the id from the token too, and the carrier holds it', async () => {
  await withOutput(undefined, () => {
    runWithContext({ sessionToken: TOKEN }, () => {
      assert.equal(getContext()?.sessionId, '16140324065183488');
      assert.equal(carrier()['x-openreplay-session-id'], '16140324065183488');
    });
  });
});

test('a token OpenReplay would cut short is stamped whole, and said once in debug', async () => {
  const headers = { 'x-openreplay-sessiontoken': 'tok-with-dash' };
  await call({ debug: true }, headers, (output) => {
    assert.equal(output.stdout(), '[openReplaySessionToken=tok-with-dash] handled\n');
    assert.match(output.stderr(), /replaylink: a session token holds "-".*\[0-9a-zA-Z\.\]\+/);
    assert.doesNotMatch(output.stderr(), /tok-with-dash/);
  });
  await withOutput({ debug: true }, async (output) => {
    runWithContext({ sessionToken: 'a-b' }, () => {});
    runWithContext({ sessionToken: 'c=d' }, () => {});
    assert.equal(output.stderr().match(/a session token holds/g)?.length, 1);
  });
  await call(undefined, headers, (output) => assert.equal(output.stderr(), ''));
});
