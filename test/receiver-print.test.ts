import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { startReceiver } from '../src/index.js';
import { request } from './helpers.js';
import { SEED, useSeed } from './seed.js';

// fast-check runs from a printed seed (REPLAYLINK_SEED replays it).
useSeed();

const KEY = 'print-key';
const lines: string[] = [];
let receiver: Awaited<ReturnType<typeof startReceiver>>;
before(async () => {
  receiver = await startReceiver({ apiKey: KEY, print: (line) => lines.push(line) });
});
after(() => receiver.close());

// What a terminal acts on or hides: C0/C1 controls, DEL, line separators, bidi and zero-width.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the property is about them.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
const MAX_LINE = 400;

const post = (body: unknown) =>
  request(receiver.url, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom(
    'error\n[receiver] exception error uuid=forged title',
    '\u001b]0;owned\u0007\u001b[2J\u001b]52;c;ZWNobyBoaQ==\u0007',
    '\u009b31m\u009d0;t\u009c',
    'rec-1\u202egnp.exe',
    'rec\u200b-1',
    '\r\u2028\u2029\ufeff',
    'x'.repeat(100_000),
  ),
);

test('no posted event writes a control, bidi or invisible character to the printed line', async () => {
  const seed = SEED;
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.record({ level: hostile, uuid: hostile, title: hostile, origin: hostile }),
      fc.constantFrom('log', 'exception'),
      async (fields, type) => {
        lines.length = 0;
        const uuid = fields.uuid === '' ? 'x' : fields.uuid;
        const reply = await post({ ...fields, uuid, type, payload: fields.title });
        assert.equal(reply.status, 200, reply.body);
        runs++;
        assert.equal(lines.length, 1, `seed ${seed}`);
        const line = lines[0] as string;
        assert.doesNotMatch(line, UNSAFE, `seed ${seed}: ${JSON.stringify(line)}`);
        assert.ok(line.length <= MAX_LINE, `seed ${seed}: ${line.length} characters`);
        assert.ok(line.startsWith(`[receiver] ${type} `), `seed ${seed}: ${line}`);
      },
    ),
    { numRuns: 150, seed },
  );
  assert.equal(runs, 150);
});

test('escapes are shown, not dropped: an operator sees what was sent', async () => {
  lines.length = 0;
  await post({
    uuid: 'rec-1\u202egnp.exe',
    type: 'exception',
    level: 'error\n[receiver] exception error uuid=forged',
    title: '\u001b]52;c;ZWNobw==\u0007 done',
  });
  assert.deepEqual(lines, [
    '[receiver] exception error\\n[receive… uuid=rec-1\\u202egnp.exe \\x1b]52;c;ZWNobw==\\x07 done',
  ]);
});

test('the CLI writes a hostile event as one escaped line on stdout', async () => {
  const child = spawn(
    process.execPath,
    [new URL('../dist/src/receiver/cli.js', import.meta.url).pathname, 'receiver', '--port', '0'],
    { env: { ...process.env, REPLAYLINK_API_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  try {
    while (!/send: +POST (\S+)/.test(out)) {
      if (child.exitCode !== null) assert.fail(out);
      await once(child.stdout, 'data');
    }
    const url = /send: +POST (\S+)/.exec(out)?.[1] as string;
    const reply = await request(url, {
      method: 'POST',
      headers: { authorization: 'Bearer local-dev-key', 'content-type': 'application/json' },
      body: JSON.stringify({
        uuid: 'r\u001b[2J',
        type: 'log',
        level: '\u001b]0;title\u0007\n[receiver] exception error uuid=x',
        title: 't\u009b2J',
      }),
    });
    assert.equal(reply.status, 200);
    while (!/\[receiver\] log/.test(out)) await once(child.stdout, 'data');
  } finally {
    child.kill('SIGTERM');
  }
  await once(child, 'exit');
  const printed = out.split('\n').filter((l) => l.startsWith('[receiver]'));
  assert.equal(printed.length, 1, out);
  assert.doesNotMatch(out.replaceAll('\n', ''), UNSAFE);
});
