import assert from 'node:assert/strict';
import { test } from 'node:test';
import { init, ReplayLinkError, runWithContext } from '../src/index.js';
import { withOutput } from './helpers.js';

const ids = { sessionToken: 'tok.1', recordingId: 'rec-1', sessionId: '9001' };

test('every id the request has is stamped by default, token first, session id last', async () => {
  await withOutput(undefined, (output) => {
    runWithContext(ids, () => console.log('hello'));
    runWithContext({ sessionId: '9002' }, () => console.log('only the id'));
    assert.equal(
      output.stdout(),
      '[openReplaySessionToken=tok.1] [bugReplayRecordingUuid=rec-1] [openReplaySession.id=9001] hello\n' +
        '[openReplaySession.id=9002] only the id\n',
    );
  });
});

test('the tags option chooses the stamped ids, in a fixed order; tagNames.sessionId renames', async () => {
  await withOutput(
    { tags: ['sessionId', 'sessionToken'], tagNames: { sessionId: 'orSession' } },
    (output) => {
      runWithContext(ids, () => console.log('hello'));
      assert.equal(output.stdout(), '[openReplaySessionToken=tok.1] [orSession=9001] hello\n');
    },
  );
  await withOutput({ tags: [] }, (output) => {
    runWithContext(ids, () => console.log('untagged'));
    assert.equal(output.stdout(), 'untagged\n');
  });
});

test('bad tags and openTelemetry values are refused with an error naming the option', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ tags: 'sessionId' }, /"tags" is "sessionId"; expected an array of "sessionToken"/],
    [{ tags: ['token'] }, /"tags" is "token"/],
    [{ tagNames: { sessionId: 'a b' } }, /"tagNames.sessionId"/],
    [{ openTelemetry: 'yes' }, /"openTelemetry" is "yes"; expected true or false/],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => init(options as never),
      (error: unknown) => error instanceof ReplayLinkError && message.test(error.message),
    );
  }
});
