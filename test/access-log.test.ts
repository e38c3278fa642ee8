import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { describe, test } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import express, { type ErrorRequestHandler } from 'express';
import express4 from 'express4';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { expressErrorHandler, expressMiddleware } from '../adapters/express.js';
import { type AccessLogOptions, getContext, ReplayLinkError, stats } from '../src/index.js';
import { rawRequest, request, serve, withOutput } from './helpers.js';

/* biome-ignore-start lint/suspicious/noTemplateCurlyInString: lookup syntax is the point. */
// Everything that has broken a log line somewhere: quotes, separators, markup, line
// breaks, terminal escapes, spreadsheet formulas, template and lookup syntax, non-ASCII.
const HOSTILE =
  'q"uote, <a&b> \r\nline2 \x1b[31mred\x1b[0m =HYPERLINK("x") $context.requestId ${jndi:x} é中😀';
// Header values cannot hold CR/LF; the ESC byte gets through Node's lenient parser.
const HOSTILE_UA = '=HYPERLINK("u"), <u&a> \x1b[2J $context.requestId ${jndi:ua} é';
const HOSTILE_REFERER = '@SUM(1+1)" <r> ${jndi:r}';
const HOSTILE_PATH = '/x/"a,b"<&>=HYPERLINK(1)/$context.requestId/${jndi:x}/%1b%0d%0a%C3%A9';
/* biome-ignore-end lint/suspicious/noTemplateCurlyInString: lookup syntax is the point. */
const CLF_TIME =
  /^\d{2}\/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}$/;

/** Collects lines and lets a test wait until `count` have arrived. */
function collector() {
  const lines: string[] = [];
  let waiting: { count: number; resolve: () => void } | undefined;
  return {
    lines,
    stream: (line: string) => {
      lines.push(line);
      if (waiting && lines.length >= waiting.count) waiting.resolve();
    },
    until: (count: number) =>
      new Promise<void>((resolve) => {
        if (lines.length >= count) resolve();
        else waiting = { count, resolve };
      }),
  };
}

const reply500: ErrorRequestHandler = (_err, _req, res, _next) => {
  res.status(500).send('failed');
};

function app(accessLog: AccessLogOptions): RequestListener {
  const a = express();
  a.use(expressMiddleware({ accessLog }));
  a.get('/orders/:id', (_req, res) => {
    res.send('order');
  });
  a.get('/boom', () => {
    throw new Error(HOSTILE);
  });
  a.use(expressErrorHandler()); // the capture point behind $context.error.*
  a.use(reply500);
  return a as unknown as RequestListener;
}

const identity = {
  caller: (req: { headers: Record<string, unknown> }) => req.headers.referer,
  user: (req: { headers: Record<string, unknown> }) => req.headers['user-agent'],
};

/** Sends the hostile requests; returns how many lines to expect. */
async function sendHostile(port: number, url: string): Promise<number> {
  const head = (path: string) =>
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: ${HOSTILE_UA}\r\nReferer: ${HOSTILE_REFERER}\r\nX-OpenReplay-SessionToken: tok.hostile\r\nConnection: close\r\n\r\n`;
  assert.match(await rawRequest(port, head(HOSTILE_PATH)), /^HTTP\/1.1 404/);
  assert.match(await rawRequest(port, head('/boom')), /^HTTP\/1.1 500/);
  assert.equal((await request(`${url}/orders/7`)).status, 200);
  return 3;
}

/** Runs the hostile requests against one format and returns the lines, once all are in. */
async function logLines(accessLog: Omit<AccessLogOptions, 'stream'>): Promise<string[]> {
  const out = collector();
  const server = await serve(app({ ...accessLog, stream: out.stream }), {
    insecureHTTPParser: true,
  });
  try {
    const expected = await sendHostile(server.port, server.url);
    await out.until(expected);
  } finally {
    await server.close();
  }
  // The server is closed, every response has ended: no further line can come.
  assert.equal(out.lines.length, 3, 'exactly one line per request');
  for (const line of out.lines) {
    assert.ok(!line.includes('\x1b'), `raw ESC byte in ${line}`);
    assert.ok(!/[\r\n]/.test(line), `line break in ${JSON.stringify(line)}`);
  }
  return out.lines;
}

const ROUTES = [`GET ${HOSTILE_PATH}`, 'GET /boom', 'GET /orders/:id'];

describe('access log presets with hostile values', () => {
  test('json: every line is JSON and the values come back intact', async () => {
    const lines = await logLines({ format: 'json', ...identity });
    const records = lines.map((line) => JSON.parse(line));
    assert.deepEqual(
      records.map((r) => r.routeKey),
      ROUTES,
    );
    assert.deepEqual(
      records.map((r) => r.status),
      ['404', '500', '200'],
    );
    assert.equal(records[0].user, HOSTILE_UA);
    assert.equal(records[0].caller, HOSTILE_REFERER);
    assert.equal(records[2].caller, '-');
    for (const r of records) {
      assert.equal(r.eventType, 'REQUEST');
      assert.equal(r.connectionId, '-');
      assert.match(r.requestTime, CLF_TIME);
      assert.match(r.ip, /127\.0\.0\.1$/);
      assert.match(r.requestId, /^[0-9a-f-]{36}$/);
    }
  });

  test('xml: every line is well-formed XML and the values come back intact', async () => {
    const lines = await logLines({ format: 'xml', ...identity });
    const parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      trimValues: false,
      parseTagValue: false,
      parseAttributeValue: false,
      htmlEntities: true,
    });
    const records = lines.map((line) => {
      assert.equal(XMLValidator.validate(line), true, line);
      return parser.parse(line).request;
    });
    assert.deepEqual(
      records.map((r) => r.routeKey),
      ROUTES,
    );
    // ESC is not a character in XML 1.0: it is replaced, the rest is kept.
    assert.equal(records[0].user, HOSTILE_UA.replaceAll('\x1b', '\ufffd'));
    assert.equal(records[0].caller, HOSTILE_REFERER);
    for (const r of records) {
      assert.match(r.id, /^[0-9a-f-]{36}$/);
      assert.match(r.requestTime, CLF_TIME);
    }
  });

  test('csv: every line is one RFC 4180 record, formulas are defused', async () => {
    const lines = await logLines({ format: 'csv', ...identity });
    const records = lines.map((line) => {
      const rows: string[][] = parseCsv(line);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.length, 9, line);
      return rows[0]!;
    });
    assert.deepEqual(
      records.map((r) => r[5]),
      ROUTES,
    );
    assert.equal(records[0]![2], `'${HOSTILE_UA.replaceAll('\x1b', '\\x1b')}`);
    assert.equal(records[0]![1], `'${HOSTILE_REFERER}`);
    for (const r of records) {
      assert.match(r[3]!, CLF_TIME);
      assert.equal(r[4], 'REQUEST');
    }
  });

  test('clf: fields parse back, quotes and control characters are escaped', async () => {
    const lines = await logLines({ format: 'clf', ...identity });
    // Strict CLF fields: a value outside quotes never holds a space (it is written \x20).
    const CLF =
      /^(\S+) (\S+) (\S+) \[([^\]]+)\] "REQUEST ((?:[^"\\]|\\.)*) -" (\d{3}) ([0-9a-f-]{36})$/;
    const unescapeText = (s: string) =>
      s.replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|.)/g, (_, c: string) =>
        c.length > 1 ? String.fromCharCode(Number.parseInt(c.slice(1), 16)) : c,
      );
    const parsed = lines.map((line) => {
      const match = CLF.exec(line);
      assert.ok(match, line);
      return match;
    });
    assert.deepEqual(
      parsed.map((m) => unescapeText(m[5]!)),
      ROUTES,
    );
    assert.equal(unescapeText(parsed[0]![2]!), HOSTILE_REFERER);
    assert.equal(unescapeText(parsed[0]![3]!), HOSTILE_UA);
    assert.deepEqual(
      parsed.map((m) => m[6]),
      ['404', '500', '200'],
    );
    for (const m of parsed) assert.match(m[4]!, CLF_TIME);
    assert.ok(lines[0]!.includes(`\\x1b[2J`));
  });
});

describe('access log custom templates', () => {
  test('the error that ended a request is logged escaped for each format', async () => {
    const json = await logLines({
      format:
        '{"m":"$context.error.message","q":$context.error.messageString,"t":"$context.error.responseType","ua":"$context.identity.userAgent","p":"$context.path"}',
    });
    const records = json.map((line) => JSON.parse(line));
    assert.equal(records[1].m, HOSTILE);
    assert.equal(records[1].q, HOSTILE);
    assert.equal(records[1].t, 'Error');
    assert.equal(records[0].ua, HOSTILE_UA);
    assert.equal(records[0].p, HOSTILE_PATH);
    assert.equal(records[0].m, '-');
    assert.equal(records[0].q, '-', 'an absent messageString is still a JSON string');

    const [, xmlLine] = await logLines({
      format: '<e m="$context.error.message">$context.error.message</e>',
    });
    const xml = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      trimValues: false,
      htmlEntities: true,
    }).parse(xmlLine!);
    assert.equal(xml.e.m, HOSTILE.replaceAll('\x1b', '\ufffd'));
    assert.equal(xml.e['#text'], HOSTILE.replaceAll('\x1b', '\ufffd'));

    const [, csvLine] = await logLines({
      format: '$context.error.message,$context.error.messageString,$context.path',
      escape: 'csv',
    });
    const visible = HOSTILE.replace('\r', '\\r').replace('\n', '\\n').replaceAll('\x1b', '\\x1b');
    assert.deepEqual(parseCsv(csvLine!), [[visible, visible, '/boom']]);

    const [, textLine] = await logLines({ format: 'error=$context.error.messageString' });
    assert.equal(
      textLine,
      `error="${visible.replaceAll('"', '\\"')}"`,
      'plain text: Apache-style escapes, one line',
    );
  });

  test('template syntax inside a value is text, never expanded', async () => {
    const lines = await logLines({ format: '{"id":"$context.requestId","p":"$context.path"}' });
    const { id, p } = JSON.parse(lines[0]!);
    assert.equal(p, HOSTILE_PATH);
    assert.ok(p.includes('/$context.requestId/') && !p.includes(id));
  });

  test('requestTime is the CLF local time of the request start', async () => {
    const out = collector();
    const server = await serve(
      app({ format: '$context.requestTime|$context.requestTimeEpoch', stream: out.stream }),
    );
    try {
      await request(`${server.url}/orders/1`);
      await out.until(1);
    } finally {
      await server.close();
    }
    const [time, epoch] = out.lines[0]!.split('|') as [string, string];
    assert.match(time, CLF_TIME);
    const [, dd, mon, yyyy, hh, mm, ss, sign, oh, om] = time.match(
      /^(\d+)\/(\w+)\/(\d+):(\d+):(\d+):(\d+) ([+-])(\d{2})(\d{2})$/,
    )!;
    const month = 'JanFebMarAprMayJunJulAugSepOctNovDec'.indexOf(mon!) / 3;
    const offset = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
    const utc = Date.UTC(+yyyy!, month, +dd!, +hh!, +mm!, +ss!) - offset;
    assert.equal(utc, Math.floor(Number(epoch) / 1000) * 1000);
  });

  test('callbacks run only for variables the template uses, once per line', async () => {
    let users = 0;
    let authorizers = 0;
    const options = {
      user: () => ++users,
      authorizer: () => {
        authorizers++;
        return { principalId: 'p-1', claims: { sub: 'u"1' } };
      },
    };
    const out = collector();
    const server = await serve(
      app({
        format:
          '{"p":"$context.authorizer.principalId","s":"$context.authorizer.claims.sub","x":"$context.authorizer.missing"}',
        stream: out.stream,
        ...options,
      }),
    );
    try {
      await request(`${server.url}/orders/1`);
      await request(`${server.url}/orders/2`);
      await out.until(2);
    } finally {
      await server.close();
    }
    assert.equal(users, 0, 'identity.user is not in the template');
    assert.equal(authorizers, 2, 'one authorizer call per line, for three variables');
    assert.deepEqual(JSON.parse(out.lines[0]!), { p: 'p-1', s: 'u"1', x: '-' });
  });

  test('a throwing callback leaves its value absent and the line is still written', async () => {
    const before = stats().accessLog.failures;
    const out = collector();
    const server = await serve(
      app({
        format: '$context.identity.user $context.status',
        stream: out.stream,
        user: () => {
          throw new Error('no user');
        },
      }),
    );
    try {
      await request(`${server.url}/orders/1`);
      await out.until(1);
    } finally {
      await server.close();
    }
    assert.deepEqual(out.lines, ['- 200']);
    assert.equal(stats().accessLog.failures, before + 1);
  });
});

describe('access log routeKey', () => {
  for (const [name, factory] of [
    ['express 4', express4 as unknown as typeof express],
    ['express 5', express],
  ] as const) {
    test(`${name}: the matched pattern with its mount path, or the raw path`, async () => {
      const out = collector();
      const a = factory();
      a.use(expressMiddleware({ accessLog: { format: '$context.routeKey', stream: out.stream } }));
      const api = factory.Router();
      api.post('/orders/:id', (_req, res) => {
        res.status(201).send('created');
      });
      a.use('/api', api);
      const server = await serve(a as unknown as RequestListener);
      try {
        await request(`${server.url}/api/orders/7?x=1`, { method: 'POST' });
        await request(`${server.url}/api/missing?x=1`);
        await out.until(2);
      } finally {
        await server.close();
      }
      assert.deepEqual(out.lines, ['POST /api/orders/:id', 'GET /api/missing']);
    });
  }
});

describe('access log lifecycle', () => {
  test('a client abort writes one line, with no status and the latencies absent', async () => {
    const out = collector();
    let arrived!: () => void;
    const inHandler = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const a = express();
    a.use(
      expressMiddleware({
        accessLog: {
          format: '$context.routeKey $context.status $context.responseLatency',
          stream: out.stream,
        },
      }),
    );
    a.get('/slow/:n', () => arrived()); // never answers
    const server = await serve(a as unknown as RequestListener);
    try {
      const { connect } = await import('node:net');
      const socket = connect(server.port, '127.0.0.1');
      socket.write('GET /slow/1 HTTP/1.1\r\nHost: x\r\n\r\n');
      await inHandler;
      socket.destroy();
      await out.until(1);
    } finally {
      await server.close();
    }
    assert.deepEqual(out.lines, ['GET /slow/:n - -']);
  });

  test('the line on stdout is not stamped, the request output is', async () => {
    await withOutput(undefined, async (output) => {
      const a = express();
      a.use(
        expressMiddleware({
          accessLog: { format: 'access $context.openReplaySessionToken $context.status' },
        }),
      );
      let finished!: () => void;
      const done = new Promise<void>((resolve) => {
        finished = resolve;
      });
      a.get('/', (_req, res) => {
        console.log('handled');
        res.on('close', () => setImmediate(finished));
        res.send('ok');
      });
      const server = await serve(a as unknown as RequestListener);
      try {
        await request(`${server.url}/`, { headers: { 'x-openreplay-sessiontoken': 'tok.9' } });
        await done;
      } finally {
        await server.close();
      }
      assert.equal(output.stdout(), '[openReplaySessionToken=tok.9] handled\naccess tok.9 200\n');
    });
  });

  test('a Writable stream receives each line with its newline', async () => {
    const { PassThrough } = await import('node:stream');
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c.toString()));
    const server = await serve(app({ format: '$context.httpMethod $context.status', stream }));
    try {
      await request(`${server.url}/orders/1`);
      await request(`${server.url}/nowhere`);
    } finally {
      await server.close();
    }
    stream.end();
    await new Promise((resolve) => stream.on('end', resolve));
    assert.equal(chunks.join(''), 'GET 200\nGET 404\n');
  });
});

describe('access log options are checked at set-up', () => {
  const refuse = (accessLog: unknown, pattern: RegExp) =>
    assert.throws(
      () => expressMiddleware({ accessLog: accessLog as AccessLogOptions }),
      (error: unknown) =>
        error instanceof ReplayLinkError &&
        error.code === 'ERR_REPLAYLINK_INVALID_OPTION' &&
        pattern.test(error.message),
    );

  test('an unknown variable is refused, naming it and listing the supported ones', () => {
    refuse({ format: '$context.status $context.nope' }, /unknown variable "\$context\.nope"/);
    refuse(
      { format: '$context.status $context.nope' },
      /supported variables: .*\$context\.requestId.*\$context\.authorizer\.<property>/,
    );
    refuse({ format: '$context.status.extra' }, /unknown variable "\$context\.status\.extra"/);
    refuse({ format: '$context.' }, /unknown variable "\$context\."/);
  });

  test('a line break before the end is refused; a trailing newline is allowed', () => {
    refuse({ format: '$context.status\n$context.requestId' }, /line break at offset 15/);
    refuse({ format: '$context.status\r' }, /line break/);
    refuse({ format: 'a\u2028b' }, /U\+2028/);
    refuse({ format: 'a\x1bb' }, /U\+001b/);
    assert.doesNotThrow(() => expressMiddleware({ accessLog: { format: '$context.status\n' } }));
    assert.doesNotThrow(() => expressMiddleware({ accessLog: { format: 'a\t$context.status.' } }));
  });

  test('wrong option types are refused with the option name', () => {
    refuse('json', /option "accessLog" is "json"; expected an object/);
    refuse({}, /option "accessLog.format" is undefined/);
    refuse({ format: 42 }, /option "accessLog.format" is 42/);
    refuse({ format: '  ' }, /accessLog.format/);
    refuse(
      { format: 'json', stream: 'stdout' },
      /option "accessLog.stream" is "stdout"; expected a Writable/,
    );
    refuse({ format: 'json', stream: {} }, /accessLog.stream/);
    refuse(
      { format: 'json', user: 'alice' },
      /option "accessLog.user" is "alice"; expected a function/,
    );
    refuse({ format: 'json', stage: 1 }, /option "accessLog.stage" is 1; expected a string/);
    refuse({ format: 'json', escape: 'yaml' }, /accessLog.escape/);
    refuse({ format: 'json', colour: true }, /option "accessLog.colour" .*no such option/);
  });
});

test('the line carries the request id the handler saw, and skip runs inside the request', async () => {
  const lines = collector();
  const seenInSkip: Array<string | undefined> = [];
  const handlerIds: string[] = [];
  const server = express();
  server.use(
    expressMiddleware({
      accessLog: {
        format: '$context.requestId $context.status',
        stream: lines.stream,
        skip: (req) => {
          seenInSkip.push(getContext()?.requestId);
          return req.url === '/health';
        },
      },
    }),
  );
  server.get('/health', (_req, res) => res.send('ok'));
  server.get('/order', (_req, res) => {
    handlerIds.push(getContext()!.requestId);
    res.send('ok');
  });
  const { url, close } = await serve(server);
  try {
    await request(`${url}/health`);
    await request(`${url}/order`);
    await lines.until(1);
  } finally {
    await close();
  }
  assert.deepEqual(lines.lines, [`${handlerIds[0]} 200`]);
  assert.equal(seenInSkip.length, 2);
  assert.match(seenInSkip[0]!, /^[0-9a-f-]{36}$/);
  assert.equal(seenInSkip[1], handlerIds[0]);
});

test('a throwing stream loses only its line: counted in failures, said in debug, the app unharmed', async () => {
  await withOutput({ debug: true }, async (output) => {
    let calls = 0;
    const app = express();
    app.use(
      expressMiddleware({
        accessLog: {
          format: '$context.status',
          stream: () => {
            calls++;
            throw new Error('disk full');
          },
        },
      }),
    );
    app.get('/', (_req, res) => res.send('served'));
    const server = await serve(app as unknown as RequestListener);
    try {
      for (let i = 0; i < 2; i++) {
        const reply = await request(server.url);
        assert.deepEqual([reply.status, reply.body], [200, 'served']);
      }
    } finally {
      await server.close();
    }
    assert.equal(calls, 2);
    const { lines, failures } = stats().accessLog;
    assert.deepEqual({ lines, failures }, { lines: 0, failures: 2 });
    assert.match(output.stderr(), /^replaylink: access log line not written: disk full$/m);
  });
});

test('a throwing skip writes the line, as if it returned false', async () => {
  const lines = collector();
  await withOutput(undefined, async () => {
    const app = express();
    app.use(
      expressMiddleware({
        accessLog: {
          format: '$context.routeKey $context.status',
          stream: lines.stream,
          skip: () => {
            throw new Error('bug in skip');
          },
        },
      }),
    );
    app.get('/health', (_req, res) => res.send('ok'));
    const server = await serve(app as unknown as RequestListener);
    try {
      assert.equal((await request(`${server.url}/health`)).status, 200);
    } finally {
      // Once the server is closed, every response has finished or closed: its line is due.
      await server.close();
    }
  });
  assert.deepEqual(lines.lines, ['GET /health 200']);
});
