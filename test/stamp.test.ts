import assert from 'node:assert/strict';
import { test } from 'node:test';
import { format } from 'node:util';
import { runWithContext as runInCoreContext } from '../src/core/context.js';
import { close, init, runWithContext } from '../src/index.js';
import { stampBytes, stampText } from '../src/stamp/stamp.js';
import { captureOutput, inZone, quietly, withOutput } from './helpers.js';

const TAG = '[openReplaySessionToken=tok.1] ';
const inContext = <T>(fn: () => T) => runWithContext({ sessionToken: 'tok.1' }, fn);

test('stampText prefixes every non-empty line and leaves a lone newline alone', () => {
  assert.equal(stampText('hello\n', 'P ', true), 'P hello\n');
  assert.equal(stampText('hello', 'P ', true), 'P hello');
  assert.equal(stampText('\n', 'P ', true), '\n');
  assert.equal(stampText('a\nb\n\nc\n', 'P ', true), 'P a\nP b\n\nP c\n');
  assert.equal(stampText('rest of line\nnext\n', 'P ', false), 'rest of line\nP next\n');
  assert.equal(stampText('\nx', 'P ', true), '\nP x');
});

test('stampBytes matches stampText on the same text', () => {
  for (const [text, start] of [
    ['a\nb\n', true],
    ['tail\nnext', false],
    ['\n', true],
    ['x', true],
    ['é\n\nü\n', true],
  ] as const) {
    const bytes = stampBytes(Buffer.from(text), Buffer.from('P '), start);
    assert.equal(bytes.toString(), stampText(text, 'P ', start), JSON.stringify(text));
  }
});

test('console output inside a context is tagged once and formatted exactly as console formats it', async () => {
  const cases: unknown[][] = [
    ['%d items', 3],
    ['%s and %s', 'a', { b: 1 }],
    ['%o', { deep: { nested: [1, 2, 3] } }],
    [{ a: 1, list: Array.from({ length: 30 }, (_, i) => `item-${i}`) }],
    ['plain', 42, null, undefined],
  ];
  await withOutput(undefined, (output) => {
    for (const args of cases) {
      const before = output.stdout().length;
      inContext(() => console.log(...args));
      const written = output.stdout().slice(before);
      const expected = `${format(...args)}\n`
        .split('\n')
        .map((line) => (line === '' ? line : TAG + line))
        .join('\n');
      assert.equal(written, expected, JSON.stringify(args.map(String)));
    }
  });
});

test('errors printed by console.error carry the tag on every stack line', async () => {
  await withOutput(undefined, (output) => {
    const error = new Error('boom');
    inContext(() => console.error(error));
    const lines = output.stderr().split('\n').filter(Boolean);
    assert.ok(lines.length > 2);
    for (const line of lines) assert.ok(line.startsWith(TAG), line);
    assert.equal(lines[0], `${TAG}Error: boom`);
  });
});

test('output outside a context is byte-for-byte unchanged', async () => {
  await withOutput(undefined, (output) => {
    process.stdout.write('raw\n');
    process.stdout.write(Buffer.from([0xff, 0x0a]));
    console.log('%s', 'formatted');
    assert.equal(output.stdout(), 'raw\n\xff\nformatted\n');
  });
});

test('a write that continues a line is not stamped twice', async () => {
  await withOutput(undefined, (output) => {
    inContext(() => {
      process.stdout.write('part one, ');
      process.stdout.write('part two\n');
      process.stdout.write('\n');
      process.stdout.write('multi\nline\n');
    });
    assert.equal(output.stdout(), `${TAG}part one, part two\n\n${TAG}multi\n${TAG}line\n`);
  });
});

test('text written into a line another source left open is stamped where it starts', async () => {
  await withOutput(undefined, (output) => {
    process.stdout.write('progress 50%');
    inContext(() => process.stdout.write('request line\n'));
    runWithContext({ sessionToken: 'other' }, () => process.stdout.write('other begins '));
    inContext(() => process.stdout.write('mine\n'));
    assert.equal(
      output.stdout(),
      `progress 50%${TAG}request line\n[openReplaySessionToken=other] other begins ${TAG}mine\n`,
    );
  });
});

test('Buffer and non-utf8 writes are stamped without re-decoding', async () => {
  await withOutput(undefined, (output) => {
    inContext(() => {
      process.stdout.write(Buffer.from('bytes\n'));
      process.stdout.write(Buffer.from('hex\n').toString('hex'), 'hex');
    });
    assert.equal(output.stdout(), `${TAG}bytes\n${TAG}hex\n`);
  });
});

test('both ids are stamped, with configurable tag names', async () => {
  await withOutput({ tagNames: { sessionToken: 'orToken', recordingId: 'brRec' } }, (output) => {
    runWithContext({ sessionToken: 'abc', recordingId: '0f1e-22' }, () => console.log('x'));
    assert.equal(output.stdout(), '[orToken=abc] [brRec=0f1e-22] x\n');
  });
});

test('stamp: false turns stamping off', async () => {
  await withOutput({ stamp: false }, (output) => {
    inContext(() => console.log('quiet'));
    assert.equal(output.stdout(), 'quiet\n');
  });
});

test('with stamping off and nothing forwarded the streams are left alone; a later init stamps', async () => {
  await withOutput({ stamp: false }, (output) => {
    const sink = process.stdout.write;
    inContext(() => console.log('plain'));
    // No stream patch to go through: the capture's own write is still the stream's.
    assert.equal(process.stdout.write, sink);
    init({});
    assert.notEqual(process.stdout.write, sink);
    inContext(() => console.log('stamped'));
    assert.equal(output.stdout(), `plain\n${TAG}stamped\n`);
  });
});

test('with stamping off, forwarded errors still keep breadcrumbs: the streams are patched', async () => {
  await quietly(() => {
    const sink = process.stdout.write;
    init({ stamp: false, apiKey: 'k', endpoint: 'http://127.0.0.1:9/send' });
    assert.notEqual(process.stdout.write, sink);
  });
});

test('init twice replaces the configuration without patching twice', async () => {
  await withOutput(undefined, (output) => {
    init({ tagNames: { sessionToken: 'second' } });
    runWithContext({ sessionToken: 't' }, () => console.log('once'));
    assert.equal(output.stdout(), '[second=t] once\n');
  });
});

test('close() restores the original stream methods', async () => {
  await close();
  const output = captureOutput();
  const sinks = [process.stdout.write, process.stderr.write];
  const logBefore = console.log;
  try {
    init();
    assert.notEqual(process.stdout.write, sinks[0]);
    await close();
    assert.equal(process.stdout.write, sinks[0]);
    assert.equal(process.stderr.write, sinks[1]);
    assert.equal(console.log, logBefore);
    // The core call: the public runWithContext would set the library up again.
    inZone(() => runInCoreContext({ sessionToken: 'tok.1' }, () => console.log('after close')));
    assert.equal(output.stdout(), 'after close\n');
  } finally {
    output.restore();
  }
});

test('a logger record that already carries the tag is not stamped twice', async () => {
  await withOutput(undefined, (output) => {
    inContext(() => {
      // What winston's Console transport writes for a record its format tagged.
      process.stdout.write(`{"level":"info","message":"${TAG}order loaded"}\n`);
      process.stdout.write('plain line\n');
      // A multi-line chunk is stamped line by line whatever it holds.
      process.stdout.write(`${TAG}a\nb\n`);
    });
    assert.equal(
      output.stdout(),
      `{"level":"info","message":"${TAG}order loaded"}\n${TAG}plain line\n${TAG}${TAG}a\n${TAG}b\n`,
    );
  });
});
