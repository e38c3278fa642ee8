import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { VERSION } from '../src/core/version.js';
import { DEFAULT_ENDPOINT, resolveForwarding } from '../src/forward/options.js';
import { USER_AGENT } from '../src/forward/send.js';
import { init, ReplayLinkError } from '../src/index.js';

test('forwarding defaults, with the environment filling in key and endpoint', () => {
  const defaults = resolveForwarding({}, {});
  assert.equal(defaults.apiKey, undefined);
  assert.equal(defaults.endpoint, DEFAULT_ENDPOINT);
  assert.deepEqual(
    [
      defaults.exceptions,
      defaults.logs,
      defaults.compression,
      defaults.maxQueue,
      defaults.concurrency,
      defaults.timeoutMs,
    ],
    [true, 'info', false, 1000, 4, 5000],
  );
  const fromEnv = resolveForwarding(
    {},
    { REPLAYLINK_API_KEY: 'env-key', REPLAYLINK_ENDPOINT: 'http://127.0.0.1:4318/x' },
  );
  assert.equal(fromEnv.apiKey, 'env-key');
  assert.equal(fromEnv.endpoint, 'http://127.0.0.1:4318/x');
  assert.equal(
    resolveForwarding({ apiKey: 'given' }, { REPLAYLINK_API_KEY: 'env-key' }).apiKey,
    'given',
  );
});

test('bad forwarding options are refused with an error naming the option and never echoing a key', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ apiKey: 'has space' }, /"apiKey" is "\(hidden\)"/],
    [{ apiKey: 42 }, /"apiKey" is 42/],
    [{ endpoint: 'ftp://x' }, /"endpoint".*http:\/\/ or https:\/\//],
    [{ endpoint: 'not a url' }, /"endpoint"/],
    [{ compression: 'zip' }, /"compression" is "zip"; expected false, 'gzip', 'deflate' or 'br'/],
    [{ maxQueue: 0 }, /"maxQueue" is 0; expected an integer from 1/],
    [{ concurrency: 1.5 }, /"concurrency"/],
    [{ timeoutMs: '5s' }, /"timeoutMs"/],
    [{ forward: { logs: 'verbose' } }, /"forward.logs"/],
    [{ forward: { exceptions: 'yes' } }, /"forward.exceptions"/],
    [{ beforeSend: 'nope' }, /"beforeSend"/],
    [{ origin: 'line\nbreak' }, /"origin"/],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => init(options as never),
      (error: unknown) =>
        error instanceof ReplayLinkError &&
        message.test(error.message) &&
        !error.message.includes('has space'),
      JSON.stringify(options),
    );
  }
});

test('the User-Agent names the package version from package.json and the Node version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  assert.equal(VERSION, pkg.version);
  assert.equal(USER_AGENT, `replaylink/${pkg.version} node/${process.versions.node}`);
});
