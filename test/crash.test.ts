import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { startReceiver } from '../src/index.js';
import { childEnv } from './helpers.js';

const FIXTURE = new URL('./fixtures/crash.mjs', import.meta.url).pathname;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
before(async () => {
  receiver = await startReceiver({ apiKey: 'crash-key', print: false });
});
after(() => receiver.close());

function run(
  env: Record<string, string>,
  flags: string[],
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, FIXTURE], {
      env: childEnv({ ENDPOINT: receiver.url, ...env }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr: stderr.replace(/\(node:\d+\)/g, '(node:PID)') });
    });
  });
}

type Case = { kind: 'uncaught' | 'rejection'; mode?: string; handler?: string };
const cases: Case[] = [{ kind: 'uncaught' }, { kind: 'uncaught', handler: 'uncaughtException' }];
for (const mode of [undefined, 'throw', 'strict', 'warn', 'none', 'warn-with-error-code']) {
  for (const handler of [undefined, 'uncaughtException', 'unhandledRejection']) {
    cases.push({ kind: 'rejection', ...(mode ? { mode } : {}), ...(handler ? { handler } : {}) });
  }
}

describe('crashes inside a recorded request', () => {
  for (const c of cases) {
    const name = `${c.kind}, mode ${c.mode ?? 'default'}, app handler: ${c.handler ?? 'none'}`;
    test(`${name}: delivered, and exit code and stderr are bare Node's`, async () => {
      const flags = c.mode ? [`--unhandled-rejections=${c.mode}`] : [];
      const env = { KIND: c.kind, ...(c.handler ? { APP_HANDLER: c.handler } : {}) };
      receiver.events.length = 0;
      const bare = await run({ ...env, REPLAYLINK: 'off' }, flags);
      const ours = await run({ ...env, REPLAYLINK: 'on' }, flags);
      assert.equal(ours.code, bare.code, 'exit code');
      let expected = bare.stderr;
      if (c.mode === 'warn-with-error-code' && c.handler !== 'unhandledRejection') {
        // Node numbers rejections; the one raised again for this mode is the second.
        expected = expected.replace('(rejection id: 1)', '(rejection id: 2)');
      }
      // Output written inside the request (Node's warning, the app's handler) carries the
      // tag, as every line of a recorded request does; apart from that, byte for byte.
      // A process that dies says which request it died in: one stamped line before
      // Node's trace, so the crash is found by the tag.
      // Node's fatal trace ends with its version line.
      const dies = /^Node\.js v/m.test(bare.stderr);
      const ANNOUNCED =
        /^\[bugReplayRecordingUuid=crash-rec\] uncaught Error: (crash|rejected) in request\n/;
      assert.equal(
        ANNOUNCED.test(ours.stderr),
        dies,
        `announced line (${JSON.stringify(ours.stderr.slice(0, 120))})`,
      );
      const TAG = /^\[bugReplayRecordingUuid=crash-rec\] /gm;
      assert.equal(ours.stderr.replace(ANNOUNCED, '').replace(TAG, ''), expected, 'stderr');
      if (bare.stderr.includes('app handled'))
        assert.match(ours.stderr, /^\[bugReplayRecordingUuid=crash-rec\] app handled /m);
      const delivered = receiver.events.filter(
        (e) => e.uuid === 'crash-rec' && e.type === 'exception',
      );
      assert.equal(delivered.length, 1, `delivered once (${receiver.events.length} events)`);
      assert.match(
        delivered[0]!.title,
        c.kind === 'uncaught' ? /crash in request/ : /rejected in request/,
      );
    });
  }
});
