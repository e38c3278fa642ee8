import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { test } from 'node:test';
import express from 'express';
import fc from 'fast-check';
import { expressMiddleware } from '../adapters/express.js';
import { closestName, editDistance } from '../src/core/suggest.js';
import {
  captureException,
  close,
  flush,
  init,
  log,
  ReplayLinkError,
  runWithContext,
  stats,
} from '../src/index.js';
import { resolveOptions } from '../src/options.js';
import { captureOutput, inZone, request, serve, useReceiver } from './helpers.js';
import { useSeed } from './seed.js';

// fast-check runs from a printed seed (REPLAYLINK_SEED replays it).
useSeed();

const receiver = useReceiver('config-key');

test('an adapter naming liveSessions keeps the apiKey and endpoint init set', async () => {
  await close();
  init({ apiKey: 'config-key', endpoint: receiver.url });
  const app = express();
  app.use(expressMiddleware({ liveSessions: { projectKey: 'proj' } }));
  app.get('/fail', (_req, res) => {
    res.json({ queued: captureException(new Error('boom')) });
  });
  const server = await serve(app as unknown as RequestListener);
  try {
    const reply = await request(`${server.url}/fail`, {
      headers: { 'br-recording-uuid': 'rec-1' },
    });
    assert.deepEqual(JSON.parse(reply.body), { queued: true });
    assert.equal(await flush(), true);
    assert.equal(receiver.events.length, 1);
    assert.equal(receiver.events[0]?.title, 'Error: boom');
    assert.equal(stats().dropped.noApiKey, 0);
  } finally {
    await server.close();
    await close();
  }
});

test('an explicit init() replaces the configuration and says so with debug', async () => {
  await close();
  const output = captureOutput();
  try {
    await inZone(async () => {
      init({ apiKey: 'config-key', endpoint: receiver.url });
      init({ debug: true });
      assert.equal(
        runWithContext({ recordingId: 'rec-2' }, () => captureException(new Error('x'))),
        false,
      );
    });
    assert.match(
      output.stderr(),
      /replaylink: init\(\) replaced the earlier configuration \(apiKey, endpoint\)/,
    );
  } finally {
    output.restore();
    await close();
  }
});

test('runWithContext without init() stamps the lines written inside it', async () => {
  await close();
  const output = captureOutput();
  try {
    inZone(() => runWithContext({ sessionToken: 'tok.1' }, () => console.log('processing')));
    assert.equal(output.stdout(), '[openReplaySessionToken=tok.1] processing\n');
  } finally {
    output.restore();
    await close();
  }
});

test('captureException and log without init() set the library up (env key is read)', async () => {
  await close();
  process.env.REPLAYLINK_API_KEY = 'config-key';
  process.env.REPLAYLINK_ENDPOINT = receiver.url;
  try {
    const queued = runWithContext({ recordingId: 'rec-3' }, () => [
      captureException(new Error('no init')),
      log('a line'),
    ]);
    assert.deepEqual(queued, [true, true]);
    assert.equal(await flush(), true);
    assert.deepEqual(receiver.events.map((e) => e.type).sort(), ['exception', 'log']);
  } finally {
    delete process.env.REPLAYLINK_API_KEY;
    delete process.env.REPLAYLINK_ENDPOINT;
    await close();
  }
});

test('a mistyped option names the closest one and lists init and adapter options', () => {
  const refused = (make: () => unknown, message: RegExp) =>
    assert.throws(
      make,
      (error: unknown) => error instanceof ReplayLinkError && message.test(error.message),
    );
  refused(
    () => expressMiddleware({ accesLog: { format: 'json' } } as never),
    /option "accesLog" .*did you mean "accessLog"\? \(accepted: headers, .*tags, propagate, openTelemetry; in an adapter also shouldForward, accessLog\)/,
  );
  refused(() => init({ apikey: 'k' } as never), /did you mean "apiKey"\?/);
  refused(() => init({ tagnames: {} } as never), /did you mean "tagNames"\?/);
  refused(
    () => expressMiddleware({ accessLog: { fromat: 'json' } } as never),
    /"accessLog.fromat" .*did you mean "format"\?/,
  );
  refused(() => init({ zzzzzzzz: 1 } as never), /no such option \(accepted: /);
});

test('closestName only ever suggests a known name, and any unknown key is a ReplayLinkError', () => {
  const known = ['apiKey', 'accessLog', 'endpoint', 'tagNames'];
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (typed) => {
      const match = closestName(typed, known);
      return match === undefined || known.includes(match);
    }),
  );
  // The accepted names, as the error for an unknown key lists them.
  const listed = (() => {
    try {
      resolveOptions({ zzzzzzzz: 1 });
    } catch (error) {
      return /\(accepted: ([^;)]+)/.exec((error as Error).message)?.[1];
    }
    return undefined;
  })();
  assert.ok(listed, 'an unknown key is refused and the accepted names listed');
  const accepted = new Set(listed.split(', '));
  assert.ok(accepted.has('apiKey') && accepted.has('liveSessions'), listed);
  fc.assert(
    fc.property(
      fc.string({ maxLength: 40 }).filter((key) => key !== '__proto__' && !accepted.has(key)),
      (key) => {
        assert.throws(
          () => resolveOptions({ [key]: 1 }),
          (error: unknown) =>
            error instanceof ReplayLinkError && error.message.includes('(accepted: '),
        );
      },
    ),
  );
  assert.equal(editDistance('accesLog', 'accessLog'), 1);
  assert.equal(editDistance('apikey', 'apiKey'), 1);
  assert.equal(editDistance('ab', 'ba'), 1);
});
