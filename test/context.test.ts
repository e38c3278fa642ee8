import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { addBreadcrumb } from '../src/core/breadcrumbs.js';
import { isValidId } from '../src/core/headers.js';
import { state } from '../src/core/state.js';
import { kPrefix } from '../src/core/symbols.js';
import {
  contextTags,
  getContext,
  init,
  ReplayLinkError,
  runWithContext,
  stats,
} from '../src/index.js';
import { delay, immediately, later } from './helpers.js';

test('getContext is undefined outside any context', () => {
  assert.equal(getContext(), undefined);
});

test('runWithContext keeps ids across await, timers, immediates, promise chains and emitters', async () => {
  const seen: Array<string | undefined> = [];
  const record = () => seen.push(getContext()?.sessionToken);
  await runWithContext({ sessionToken: 'job-1', path: '/jobs?id=1' }, async () => {
    assert.equal(getContext()?.path, '/jobs');
    await delay(1);
    record();
    await later(1, record);
    await immediately(record);
    await Promise.resolve().then(record).then(record);
    const emitter = new EventEmitter();
    emitter.on('event', record);
    await later(1, () => emitter.emit('event'));
  });
  assert.deepEqual(seen, Array(6).fill('job-1'));
  assert.equal(getContext(), undefined);
});

test('invalid ids given to runWithContext are dropped and counted', () => {
  const before = stats().invalidHeaders.sessionToken;
  runWithContext({ sessionToken: 'bad token\x1b[31m', recordingId: 'ok-1' }, () => {
    assert.equal(getContext()?.sessionToken, undefined);
    assert.equal(getContext()?.recordingId, 'ok-1');
  });
  assert.equal(stats().invalidHeaders.sessionToken, before + 1);
});

test('requestId is a fresh UUID unless a valid one is given', () => {
  runWithContext({}, () => assert.match(getContext()!.requestId, /^[0-9a-f-]{36}$/));
  runWithContext({ requestId: 'req-42' }, () => assert.equal(getContext()!.requestId, 'req-42'));
  runWithContext({ requestId: 'x'.repeat(129) }, () =>
    assert.notEqual(getContext()!.requestId.length, 129),
  );
});

test('id validation follows the safe sets', () => {
  assert.ok(isValidId('sessionToken', 'aZ09._~+/=-'));
  assert.ok(isValidId('sessionToken', 'a'.repeat(512)));
  assert.ok(!isValidId('sessionToken', 'a'.repeat(513)));
  for (const bad of ['', 'a b', 'a,b', 'a]', '[a', 'a\x00', 'a\x1b[0m', 'a\r\nb', 'é']) {
    assert.ok(!isValidId('sessionToken', bad), JSON.stringify(bad));
  }
  assert.ok(isValidId('recordingId', '123e4567-e89b-12d3-a456-426614174000'));
  assert.ok(!isValidId('recordingId', 'abc.def'));
  assert.ok(!isValidId('recordingId', 'a'.repeat(129)));
  assert.ok(!isValidId('sessionToken', ['a', 'b']));
});

test('bad options are refused with an error naming the option', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ stamp: 'yes' }, /"stamp" is "yes"; expected true or false/],
    [{ headers: { sessionToken: 'bad header' } }, /"headers.sessionToken"/],
    [{ tagNames: { sessionToken: 'a]b' } }, /"tagNames.sessionToken"/],
    [{ tagnames: {} }, /"tagnames".*accepted: headers, stamp, tagNames, debug/],
    ['nope', /"options"/],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => init(options as never),
      (error: unknown) =>
        error instanceof ReplayLinkError &&
        error.code === 'ERR_REPLAYLINK_INVALID_OPTION' &&
        message.test(error.message),
    );
  }
});

test('getContext() is a plain, frozen object of the documented fields, the same all request long', () => {
  runWithContext({ sessionToken: 'tok.9', recordingId: 'rec-9', path: '/jobs?x=1' }, () => {
    const context = getContext()!;
    assert.ok(Object.isFrozen(context));
    assert.equal(Object.getOwnPropertySymbols(context).length, 0);
    assert.deepEqual(Object.keys(context).sort(), [
      'method',
      'path',
      'recordingId',
      'requestId',
      'sessionToken',
      'startedAt',
    ]);
    assert.equal(context.path, '/jobs');
    assert.equal(getContext(), context);
    assert.doesNotMatch(inspect(context), /Symbol/);
  });
});

test('a context keeps one shape all request long and its lazy request id never changes', () => {
  init({ stamp: true, tags: ['sessionToken', 'recordingId'] });
  runWithContext({ sessionToken: 'tok.10', recordingId: 'rec-10' }, () => {
    const internal = state.als.getStore()!;
    const keys = Reflect.ownKeys(internal);
    const first = internal.requestId;
    // The prefix, the tags, the public view and a breadcrumb all fill slots made up front.
    const prefix = internal[kPrefix];
    assert.match(first, /^[0-9a-f-]{36}$/);
    assert.match(prefix, /^\[openReplaySessionToken=tok\.10\] \[[A-Za-z.]+=rec-10\] $/);
    assert.equal(contextTags()?.text, prefix);
    assert.equal(getContext()?.requestId, first);
    addBreadcrumb(internal, 'info', 'one line\n');
    assert.deepEqual(Reflect.ownKeys(internal), keys);
    assert.equal(internal.requestId, first);
  });
  init({ tags: ['sessionToken'] });
});
