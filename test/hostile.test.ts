import assert from 'node:assert/strict';
import type http from 'node:http';
import { after, describe, test } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import express from 'express';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { expressMiddleware } from '../adapters/express.js';
import {
  close,
  flush,
  getContext,
  init,
  liveSessionsApi,
  log,
  type PresetName,
  runWithContext,
  stats,
} from '../src/index.js';
import { captureOutput, inZone, rawRequest, request, serve } from './helpers.js';
import { useSeed } from './seed.js';

// fast-check runs from a printed seed (REPLAYLINK_SEED replays it).
useSeed();

// Property-based suites for hostile input, each through the real thing: a real Express
// app, real log parsers, the real live API and a real local server that misbehaves.
// Each property reports how many cases it ran.

/** C0/C1 control characters: what no log line may hold raw. */
const hasControl = (text: string) =>
  [...text].some((ch) => {
    const code = ch.charCodeAt(0);
    return code < 0x20 || (code >= 0x7f && code <= 0x9f);
  });

const report = (name: string, runs: number) =>
  process.stdout.write(`# ${name}: ${runs} generated cases\n`);

// Every character class that has broken something: controls, quotes, brackets, commas,
// markup, separators, bidi overrides, astral characters, lone surrogates.
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({
    unit: fc.constantFrom(...'[]"\',;=<>&\\ \t\r\n\x1b\x00\u2028\u202e\ud800é😀aZ9.-_/+'),
    maxLength: 40,
  }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);

describe('hostile id headers through a real Express app', () => {
  test('never forge or leak a tag, never throw', async () => {
    const output = captureOutput();
    const app = express();
    app.use(expressMiddleware());
    app.get('/', (_req, res) => {
      console.log('hit');
      res.json(getContext() ?? null);
    });
    // Started inside the zone, so that what the app prints is collected.
    const server = await inZone(() =>
      serve(app as unknown as http.RequestListener, { insecureHTTPParser: true }),
    );
    const TOKEN = /^[A-Za-z0-9._~+/=-]{1,512}$/;
    let runs = 0;
    try {
      await inZone(() =>
        fc.assert(
          fc.asyncProperty(
            fc.oneof(
              nasty,
              fc.constant('x'.repeat(9000)),
              fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/),
            ),
            fc.boolean(),
            async (value, twice) => {
              runs++;
              // Raw bytes: Node's client refuses what a hostile client would still send.
              const bytes = Buffer.from(value, 'latin1')
                .toString('latin1')
                .replace(/[\r\n]/g, '');
              const line = `X-OpenReplay-SessionToken: ${bytes}\r\n`;
              const head = `GET / HTTP/1.1\r\nHost: x\r\n${line}${twice ? line : ''}Connection: close\r\n\r\n`;
              const before = output.stdout().length;
              const reply = await rawRequest(server.port, head);
              if (!reply.startsWith('HTTP/1.1 200')) {
                // The HTTP parser refused the request (400/431): nothing reached the app. A
                // dropped connection (an empty reply) is not a refusal.
                assert.match(reply, /^HTTP\/1\.1 4\d\d /);
                return;
              }
              const written = output.stdout().slice(before);
              // HTTP trims only spaces and tabs around a value (String#trim also takes VT, FF…).
              const received = bytes.replace(/^[ \t]+|[ \t]+$/g, '');
              const valid = !twice && TOKEN.test(received);
              const expected = valid ? `[openReplaySessionToken=${received}] hit\n` : 'hit\n';
              assert.equal(written, expected);
            },
          ),
          { numRuns: 200 },
        ),
      );
    } finally {
      await server.close();
      output.restore();
      await close();
    }
    report('id headers', runs);
  });
});

describe('hostile access-log values in every preset', () => {
  const xml = new XMLParser({
    ignoreAttributes: false,
    trimValues: false,
    parseTagValue: false,
    parseAttributeValue: false,
  });
  // Printable text the parsers give back exactly; control characters are made visible
  // by design (one record, one line) and are checked for structure only.
  // Unicode spaces among them: a CLF reader may split on any of them.
  const printable = fc.string({
    unit: fc.constantFrom(...'[]"\',;=<>&\\ +-@é😀aZ9.:/{}$\u00a0\u2003\u3000\u2009\ufeff'),
    minLength: 1,
    maxLength: 40,
  });
  const CLF = /^(\S+) (\S+) (\S+) \[([^\]]+)\] "([^"\\]*(?:\\.[^"\\]*)*)" (\d{3}) (\S+)$/;
  const clfDecode = (s: string) =>
    s.replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|.)/g, (_, c: string) =>
      c.length > 1 ? String.fromCharCode(Number.parseInt(c.slice(1), 16)) : c,
    );

  /** What the parsed line says the caller and user were, or throws if it does not parse. */
  function parsed(
    preset: PresetName,
    line: string,
  ): { caller: string; user: string; status: string } {
    assert.ok(!hasControl(line), `one clean line: ${JSON.stringify(line)}`);
    if (preset === 'json') return JSON.parse(line);
    if (preset === 'xml') {
      const r = xml.parse(line).request;
      return { caller: r.caller, user: r.user, status: r.status };
    }
    if (preset === 'csv') {
      const [row] = parseCsv(line, { relax_quotes: false }) as string[][];
      assert.equal(row!.length, 9, 'nine fields');
      return { caller: row![1]!, user: row![2]!, status: row![7]! };
    }
    const m = CLF.exec(line);
    assert.ok(m, `CLF shape: ${line}`);
    return { caller: clfDecode(m[2]!), user: clfDecode(m[3]!), status: m[6]! };
  }

  const expectedIn = (preset: PresetName, value: string) =>
    value === '' ? '-' : preset === 'csv' && /^[=+\-@]/.test(value) ? `'${value}` : value;

  for (const preset of ['json', 'xml', 'csv', 'clf'] as const) {
    test(`${preset}: printable values come back exactly, any value keeps the structure`, async () => {
      let caller = '';
      let user = '';
      const lines: string[] = [];
      let arrived: (() => void) | undefined;
      const app = express();
      app.use(
        expressMiddleware({
          accessLog: {
            format: preset,
            stream: (line: string) => {
              lines.push(line);
              arrived?.();
            },
            caller: () => caller,
            user: () => user,
          },
        }),
      );
      app.get('/', (_req, res) => {
        res.send('ok');
      });
      const server = await serve(app as unknown as http.RequestListener);
      let runs = 0;
      try {
        await fc.assert(
          fc.asyncProperty(fc.oneof(printable, nasty), printable, async (a, b) => {
            runs++;
            caller = a;
            user = b;
            const line = new Promise<void>((resolve) => (arrived = resolve));
            assert.equal((await request(`${server.url}/`)).status, 200);
            await line;
            const record = parsed(preset, lines.pop()!.replace(/\n$/, ''));
            assert.equal(record.status, '200');
            assert.equal(record.user, expectedIn(preset, b));
            if (!hasControl(a) && !/[\u2028-\u202e\u2066-\u2069\ud800-\udfff]/.test(a))
              assert.equal(record.caller, expectedIn(preset, a));
          }),
          {
            numRuns: 100,
            // Counterexamples once found on some seeds: now run first, on every seed.
            examples: [
              ['\u00a0', '['],
              ['\u2003', '['],
              ['\u3000', 'a b'],
            ],
          },
        );
      } finally {
        await server.close();
        await close();
      }
      report(`access log ${preset}`, runs);
    });
  }
});

describe('hostile live-search bodies', () => {
  test('answer 200, 400 or 413, never 500, never pollute a prototype', async () => {
    const output = captureOutput();
    init({ liveSessions: { projectKey: 'p' } });
    const api = liveSessionsApi({ apiKey: 'k' });
    const server = await serve((req, res) => api(req, res));
    const filter = fc.record(
      {
        type: fc.oneof(fc.constantFrom('USERID', 'METADATA', 'userBrowser', '__proto__'), nasty),
        source: fc.oneof(fc.constantFrom('plan', '__proto__', 'constructor'), nasty),
        operator: fc.oneof(fc.constantFrom('is', 'contains'), fc.anything()),
        value: fc.oneof(fc.array(fc.oneof(nasty, fc.integer())), fc.anything()),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc
        .record(
          {
            filters: fc.oneof(fc.array(filter, { maxLength: 60 }), fc.anything()),
            sort: fc.oneof(fc.constantFrom('timestamp', 'userID', '__proto__'), fc.anything()),
            order: fc.oneof(fc.constantFrom('ASC', 'desc'), fc.anything()),
            page: fc.oneof(fc.integer(), fc.anything()),
            limit: fc.oneof(fc.integer(), fc.anything()),
          },
          { requiredKeys: [] },
        )
        .map((b) => JSON.stringify(b)),
      fc.json(),
      nasty,
      fc.constant('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}'),
      fc.constant(`{"filters":[${'{"type":"USERID","value":["a"]},'.repeat(3000)}{}]}`),
    );
    let runs = 0;
    try {
      await inZone(() =>
        fc.assert(
          fc.asyncProperty(body, async (text) => {
            runs++;
            const reply = await request(`${server.url}/api/v1/p/assist/sessions`, {
              method: 'POST',
              headers: { authorization: 'k', 'content-type': 'application/json' },
              body: text,
            });
            assert.ok([200, 400, 413].includes(reply.status), `${reply.status} ${reply.body}`);
            assert.equal(({} as Record<string, unknown>).polluted, undefined);
            assert.equal(Object.getPrototypeOf({}), Object.prototype);
          }),
          { numRuns: 300 },
        ),
      );
    } finally {
      await server.close();
      output.restore();
      await close();
    }
    report('live-search bodies', runs);
  });
});

test('search caps: 51 filters, 101 values or a 257-character value answer 400 naming the limit', async () => {
  const output = captureOutput();
  init({ liveSessions: { projectKey: 'p' } });
  const api = liveSessionsApi({ apiKey: 'k' });
  const server = await serve((req, res) => api(req, res));
  const post = (body: unknown) =>
    request(`${server.url}/api/v1/p/assist/sessions`, {
      method: 'POST',
      headers: { authorization: 'k', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const filter = (value: string[]) => ({ type: 'USERID', value });
  try {
    const cases: Array<[unknown, RegExp]> = [
      [{ filters: Array.from({ length: 51 }, () => filter([])) }, /at most 50 filters/],
      [{ filters: [filter(Array.from({ length: 101 }, String))] }, /at most 100 values/],
      [{ filters: [filter(['x'.repeat(257)])] }, /at most 256 characters/],
    ];
    for (const [body, message] of cases) {
      const reply = await post(body);
      assert.equal(reply.status, 400);
      assert.match(reply.body, message);
    }
    const atMax = {
      filters: Array.from({ length: 50 }, () =>
        filter(Array.from({ length: 100 }, (_, i) => `${i}`.padEnd(5, 'x'))),
      ),
    };
    assert.equal((await post(atMax)).status, 200);
  } finally {
    await server.close();
    output.restore();
    await close();
  }
});

describe('a misbehaving send API', () => {
  const behaviour = fc.record({
    status: fc.constantFrom(200, 201, 204, 301, 400, 401, 404, 413, 429, 500, 502, 503, 599),
    retryAfter: fc.option(fc.oneof(nasty, fc.constantFrom('1.5', '0', '99999999999999999999'))),
    body: fc.oneof(
      fc.constantFrom('', '{"success":"false","error":[{"message":"no"}]}', '{"success":"true"}'),
      nasty,
      fc.constant('x'.repeat(100_000)),
    ),
    fault: fc.constantFrom('none', 'none', 'reset', 'hang', 'half', 'garbage'),
    events: fc.integer({ min: 1, max: 6 }),
  });
  type Behaviour = typeof behaviour extends fc.Arbitrary<infer T> ? T : never;

  test('never an unhandled rejection; every event in exactly one counter', async () => {
    let current: Behaviour | undefined;
    const served = await serve((req, res) => {
      const b = current!;
      req.resume();
      req.on('end', () => {
        if (b.fault === 'hang') return;
        if (b.fault === 'reset') return req.socket.destroy();
        if (b.fault === 'garbage') return req.socket.end('HTTP/1.1 abc\r\n\r\n');
        const headers: Record<string, string> = {};
        if (b.retryAfter !== null)
          headers['retry-after'] = b.retryAfter.replace(/[^\x20-\x7e]/g, '');
        res.writeHead(b.status, headers);
        if (b.fault === 'half') {
          res.write(b.body.slice(0, 5));
          return req.socket.destroy();
        }
        res.end(b.body);
      });
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const output = captureOutput();
    let runs = 0;
    try {
      await inZone(() =>
        fc.assert(
          fc.asyncProperty(behaviour, async (b) => {
            runs++;
            current = b;
            // A fresh transport each case: a 429 must not carry over.
            init({ apiKey: 'k', endpoint: `${served.url}/send`, timeoutMs: 50 });
            const s0 = stats();
            runWithContext({ recordingId: 'rec-hostile' }, () => {
              for (let i = 0; i < b.events; i++) log(`event ${i}`);
            });
            await flush(5000);
            const s1 = stats();
            const delta = (f: (s: typeof s0) => number) => f(s1) - f(s0);
            const counted =
              delta((s) => s.sent) +
              delta((s) => s.failed) +
              delta((s) => s.dropped.closed) +
              delta((s) => s.dropped.rateLimited) +
              delta((s) => s.dropped.queueFull);
            assert.equal(counted, b.events, JSON.stringify(b).slice(0, 200));
            assert.deepEqual(unhandled, []);
          }),
          { numRuns: 100 },
        ),
      );
    } finally {
      process.removeListener('unhandledRejection', onUnhandled);
      output.restore();
      await close(500);
      await served.close();
    }
    report('send-API answers', runs);
  });
});

after(() => close());
