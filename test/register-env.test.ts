import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { VARIABLE_NAMES } from '../src/env.js';
import { environmentOptions, memoryStore } from '../src/index.js';
import { resolveOptions } from '../src/options.js';
import { delay, quietly } from './helpers.js';
import { waitFor } from './services.js';

// How REPLAYLINK_* variables become `init` options (replaylink/register): each variable
// checked alone, bad ones named once and left out, never a throw.

describe('environmentOptions', () => {
  test('no variable: no options, no access log, nothing to say', () => {
    assert.deepEqual(environmentOptions({ PATH: '/usr/bin', DEBUG: 'other' }), {
      options: {},
      accessLog: undefined,
      problems: [],
      ignored: [],
    });
  });

  test('each variable sets its option', () => {
    const { options, accessLog, problems } = environmentOptions({
      REPLAYLINK_API_KEY: 'sk_live_1',
      REPLAYLINK_ENDPOINT: 'https://collector.example/send',
      REPLAYLINK_ORIGIN: 'orders-api',
      REPLAYLINK_FORWARD_EXCEPTIONS: 'yes',
      REPLAYLINK_FORWARD_LOGS: 'off',
      REPLAYLINK_STAMP: '0',
      REPLAYLINK_TAGS: 'recordingId, sessionToken',
      REPLAYLINK_BREADCRUMBS: '5',
      REPLAYLINK_SESSION_TOKEN_HEADER: 'X-Session',
      REPLAYLINK_RECORDING_ID_HEADER: 'x-recording',
      REPLAYLINK_REQUEST_ID_HEADER: 'x-trace',
      REPLAYLINK_SESSION_ID_HEADER: 'x-sid',
      REPLAYLINK_PROJECT_KEY: 'web-app',
      REPLAYLINK_ACCESS_LOG: 'json',
      REPLAYLINK_ACCESS_LOG_DESTINATION: 'stderr',
      REPLAYLINK_DEBUG: 'true',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(options, {
      debug: true,
      apiKey: 'sk_live_1',
      endpoint: 'https://collector.example/send',
      origin: 'orders-api',
      forward: { exceptions: true, logs: false },
      stamp: false,
      tags: ['recordingId', 'sessionToken'],
      breadcrumbs: 5,
      headers: {
        sessionToken: 'X-Session',
        recordingId: 'x-recording',
        requestId: 'x-trace',
        sessionId: 'x-sid',
      },
      liveSessions: { projectKey: 'web-app' },
    });
    assert.deepEqual(accessLog, { format: 'json', stream: process.stderr });
    // What init() is given is valid as a whole.
    assert.doesNotThrow(() => resolveOptions(options, {}));
  });

  test('a Redis URL shares the live sessions registry, and needs a project key', () => {
    const shared = environmentOptions({
      REPLAYLINK_PROJECT_KEY: 'web-app',
      REPLAYLINK_REDIS_URL: 'redis://127.0.0.1:6379',
    });
    assert.deepEqual(shared.problems, []);
    assert.equal(shared.options.liveSessions?.store?.shared, true);
    assert.equal(memoryStore().shared, false);
    const alone = environmentOptions({ REPLAYLINK_REDIS_URL: 'redis://127.0.0.1:6379' });
    assert.equal(alone.options.liveSessions, undefined);
    assert.match(alone.problems[0] ?? '', /REPLAYLINK_REDIS_URL needs REPLAYLINK_PROJECT_KEY/);
  });

  test('a mistyped name is named with the closest valid one', () => {
    const { problems } = environmentOptions({
      REPLAYLINK_ENDPIONT: 'https://x.example',
      REPLAYLINK_APIKEY: 'k',
      REPLAYLINK_SOMETHING_ELSE: '1',
    });
    assert.deepEqual(problems, [
      'replaylink: REPLAYLINK_ENDPIONT is not a replaylink variable; did you mean REPLAYLINK_ENDPOINT? (ignored)',
      'replaylink: REPLAYLINK_APIKEY is not a replaylink variable; did you mean REPLAYLINK_API_KEY? (ignored)',
      'replaylink: REPLAYLINK_SOMETHING_ELSE is not a replaylink variable (ignored)',
    ]);
  });

  test('a bad value is one line naming the variable and what is accepted; the rest applies', () => {
    const { options, problems, ignored } = environmentOptions({
      REPLAYLINK_ORIGIN: 'api',
      REPLAYLINK_BREADCRUMBS: 'many',
      REPLAYLINK_TAGS: 'sessionToken,everything',
      REPLAYLINK_ACCESS_LOG: '$context.nope',
      REPLAYLINK_FORWARD_LOGS: 'verbose',
    });
    assert.deepEqual(options, { origin: 'api' });
    assert.deepEqual(ignored, [
      'REPLAYLINK_FORWARD_LOGS',
      'REPLAYLINK_TAGS',
      'REPLAYLINK_BREADCRUMBS',
      'REPLAYLINK_ACCESS_LOG',
    ]);
    assert.equal(problems.length, 4);
    for (const [i, name] of ignored.entries()) {
      assert.ok(problems[i]!.startsWith(`replaylink: ${name} `), problems[i]);
      assert.match(problems[i]!, /expected|no such|unknown|not/);
    }
  });

  test('a file destination is opened at the first line: reading the variables creates nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replaylink-destination-'));
    try {
      const path = join(dir, 'access.log');
      const env = { REPLAYLINK_ACCESS_LOG: 'clf', REPLAYLINK_ACCESS_LOG_DESTINATION: path };
      const { accessLog } = environmentOptions(env);
      // An eager open would have created it by now (opening takes about a millisecond).
      await delay(200);
      assert.equal(existsSync(path), false);
      writeFileSync(path, 'kept\n');
      const stream = accessLog?.stream as { write(line: string): unknown };
      stream.write('one\n');
      stream.write('two\n');
      await waitFor(
        'both lines in the file',
        () => readFileSync(path, 'utf8') === 'kept\none\ntwo\n',
      );
      assert.equal(readFileSync(path, 'utf8'), 'kept\none\ntwo\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a file destination that cannot be written is said once on stderr; lines are dropped, nothing throws', async () => {
    const path = join(tmpdir(), 'replaylink-no-such-dir', 'sub', 'access.log');
    const { accessLog } = environmentOptions({
      REPLAYLINK_ACCESS_LOG: 'clf',
      REPLAYLINK_ACCESS_LOG_DESTINATION: path,
    });
    await quietly(async (output) => {
      const stream = accessLog?.stream as { write(line: string): unknown };
      stream.write('one\n');
      stream.write('two\n');
      await waitFor('the warning', () => output.stderr().includes('cannot be written'));
      const said = output
        .stderr()
        .split('\n')
        .filter((line) => line.includes('access log file'));
      assert.deepEqual(said, [
        `replaylink: access log file ${JSON.stringify(path)} cannot be written (ENOENT); its lines are lost`,
      ]);
    });
  });

  test('a refused endpoint takes the key out too: nothing goes to the default address', () => {
    const { options, problems, ignored } = environmentOptions({
      REPLAYLINK_API_KEY: 'sk_secret_value',
      REPLAYLINK_ENDPOINT: 'http://collector.example/send',
    });
    assert.equal(options.apiKey, undefined);
    assert.deepEqual(ignored, ['REPLAYLINK_ENDPOINT', 'REPLAYLINK_API_KEY']);
    assert.match(problems[0] ?? '', /REPLAYLINK_ENDPOINT .*clear text/);
    assert.ok(!problems.join('\n').includes('sk_secret_value'));
  });

  test('hostile values never throw, never print a key, and always give options init accepts', () => {
    const names = fc.constantFrom(...VARIABLE_NAMES, 'REPLAYLINK_ENDPIONT', 'REPLAYLINK_X');
    const values = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.constantFrom('true', 'off', '12', 'json', 'redis://h', 'https://e.example', '\u0000\n'),
    );
    fc.assert(
      fc.property(fc.dictionary(names, values, { maxKeys: 8 }), fc.string(), (env, key) => {
        const secret = `sk_${key.replace(/[^\x21-\x7e]/g, '')}_k`;
        const withKey = { ...env, REPLAYLINK_API_KEY: `${secret} bad` };
        const { options, problems } = environmentOptions(withKey);
        assert.doesNotThrow(() => resolveOptions(options, {}));
        for (const line of problems) {
          assert.ok(!line.includes(secret), line);
          assert.ok(![...line].some((c) => c < ' ' || c === '\x7f'), JSON.stringify(line));
        }
      }),
      { seed: 26, numRuns: 300 },
    );
  });
});
