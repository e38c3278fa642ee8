import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { RequestListener } from 'node:http';
import { describe, test } from 'node:test';
import express5 from 'express';
import express4 from 'express4';
import { expressMiddleware } from '../adapters/express.js';
import { getContext, stats } from '../src/index.js';
import { delay, immediately, later, rawRequest, request, serve, withOutput } from './helpers.js';
import { useSeed } from './seed.js';

type ExpressFactory = typeof express5;
const versions: Array<[string, ExpressFactory]> = [
  ['express 4', express4 as unknown as ExpressFactory],
  ['express 5', express5],
];

const random = useSeed();
const jitter = () => delay(Math.floor(random() * 4));
const TAG_RE = /^\[openReplaySessionToken=([^\]]+)\] (\w+) (\d+)$/;

/** The app and a promise of its first `count` 'finish' lines. */
function isolationApp(express: ExpressFactory, count: number) {
  let finishes = 0;
  let allFinished!: () => void;
  const finished = new Promise<void>((resolve) => (allFinished = resolve));
  const app = express();
  app.use(expressMiddleware());
  app.use(express.json());
  app.post('/work/:id', async (req, res) => {
    const id = req.params.id;
    console.log(`body ${req.body.n === Number(id) ? id : 'mismatch'}`);
    res.on('finish', () => {
      console.log(`finish ${id}`);
      if (++finishes === count) allFinished();
    });
    await jitter();
    console.log(`await ${id}`);
    await later(random() * 3, () => console.log(`timeout ${id}`));
    await immediately(() => console.log(`immediate ${id}`));
    await Promise.resolve()
      .then(jitter)
      .then(() => console.log(`chain ${id}`));
    const emitter = new EventEmitter();
    emitter.on('ping', () => console.log(`emitter ${id}`));
    await later(random() * 3, () => emitter.emit('ping'));
    res.json({ id, token: getContext()?.sessionToken });
  });
  return { app: app as unknown as RequestListener, finished };
}

for (const [name, express] of versions) {
  describe(name, () => {
    test('1,000 concurrent requests each see and stamp only their own token', async () => {
      await withOutput(undefined, async (output) => {
        const { app, finished } = isolationApp(express, 1000);
        const server = await serve(app);
        try {
          const replies = await Promise.all(
            Array.from({ length: 1000 }, (_, i) =>
              request(`${server.url}/work/${i}`, {
                method: 'POST',
                headers: {
                  'content-type': 'application/json',
                  'x-openreplay-sessiontoken': `tok.${i}`,
                },
                body: JSON.stringify({ n: i }),
              }),
            ),
          );
          replies.forEach((reply, i) => {
            assert.equal(reply.status, 200);
            assert.deepEqual(JSON.parse(reply.body), { id: String(i), token: `tok.${i}` });
          });
          // 'finish' can fire after the client has read the reply.
          await finished;
        } finally {
          await server.close();
        }
        const lines = output.stdout().split('\n').filter(Boolean);
        const kinds = ['body', 'finish', 'await', 'timeout', 'immediate', 'chain', 'emitter'];
        assert.equal(lines.length, 1000 * kinds.length);
        const perRequest = new Map<string, string[]>();
        for (const line of lines) {
          const match = TAG_RE.exec(line);
          assert.ok(
            match,
            `untagged or malformed line: ${line}; first lines: ${JSON.stringify(lines.slice(0, 5))} count ${lines.filter((l) => !TAG_RE.test(l)).length}`,
          );
          const [, token, kind, id] = match;
          assert.equal(token, `tok.${id}`, line);
          perRequest.set(id!, [...(perRequest.get(id!) ?? []), kind!]);
        }
        assert.equal(perRequest.size, 1000);
        for (const seen of perRequest.values()) assert.deepEqual(seen.sort(), [...kinds].sort());
      });
    });

    test('error middleware and async handlers after an await keep the context', async () => {
      await withOutput(undefined, async (output) => {
        const app = express();
        app.use(expressMiddleware());
        app.get('/fail', async (_req, _res, next) => {
          await delay(1);
          next(new Error('failed after await'));
        });
        app.use(
          (
            err: Error,
            _req: unknown,
            res: { status(n: number): { send(s: string): void } },
            _next: unknown,
          ) => {
            console.error(`handled: ${err.message}`);
            res.status(500).send(getContext()?.recordingId ?? 'none');
          },
        );
        const server = await serve(app as unknown as RequestListener);
        try {
          const reply = await request(`${server.url}/fail`, {
            headers: { 'br-recording-uuid': 'rec-1' },
          });
          assert.equal(reply.status, 500);
          assert.equal(reply.body, 'rec-1');
        } finally {
          await server.close();
        }
        assert.equal(
          output.stderr(),
          '[bugReplayRecordingUuid=rec-1] handled: failed after await\n',
        );
      });
    });
  });
}

// Each hostile value either never reaches the app (Node's parser answers 400) or reaches it
// and is ignored; in both cases it never shows up in the output.
// The lenient parser splits a lone LF into two header lines: the app then sees a clean "ab".
const hostile: Array<{
  name: string;
  headers: string;
  needle: string;
  strict: number;
  insecure: number;
  lenientToken?: string;
}> = [
  {
    name: 'CR inside the value',
    headers: 'X-OpenReplay-SessionToken: ab\rInjected: 1\r\n',
    needle: 'Injected',
    strict: 400,
    insecure: 400,
  },
  {
    name: 'LF inside the value',
    headers: 'X-OpenReplay-SessionToken: ab\nInjected: 1\r\n',
    needle: 'Injected',
    strict: 400,
    insecure: 200,
    lenientToken: 'ab',
  },
  {
    name: 'ANSI escape',
    headers: 'X-OpenReplay-SessionToken: tok\x1b[31mred\r\n',
    needle: '\x1b',
    strict: 400,
    insecure: 200,
  },
  {
    name: 'NUL byte',
    headers: 'X-OpenReplay-SessionToken: tok\x00nul\r\n',
    needle: '\x00',
    strict: 400,
    insecure: 200,
  },
  {
    name: 'closing bracket',
    headers: 'X-OpenReplay-SessionToken: tok]fake[x=y\r\n',
    needle: 'fake',
    strict: 200,
    insecure: 200,
  },
  {
    name: '10 KB value',
    headers: `X-OpenReplay-SessionToken: ${'A'.repeat(10_240)}\r\n`,
    needle: 'AAAAAAAA',
    strict: 200,
    insecure: 200,
  },
  {
    name: 'duplicated header',
    headers: 'X-OpenReplay-SessionToken: one\r\nX-OpenReplay-SessionToken: two\r\n',
    needle: 'one',
    strict: 200,
    insecure: 200,
  },
  {
    name: 'empty value',
    headers: 'X-OpenReplay-SessionToken: \r\n',
    needle: 'openReplaySessionToken=',
    strict: 200,
    insecure: 200,
  },
  {
    name: 'bad recording id',
    headers: 'br-recording-uuid: 1234 <script>\r\n',
    needle: 'script',
    strict: 200,
    insecure: 200,
  },
];

for (const insecureHTTPParser of [false, true]) {
  describe(`hostile headers (insecureHTTPParser: ${insecureHTTPParser})`, () => {
    for (const row of hostile) {
      test(`${row.name} is ignored and never written`, async () => {
        await withOutput(undefined, async (output) => {
          const app = express5();
          app.use(expressMiddleware());
          app.get('/', (_req, res) => {
            console.log('served');
            res.send(getContext()?.sessionToken ?? 'no token');
          });
          const server = await serve(app as unknown as RequestListener, { insecureHTTPParser });
          const before = stats().invalidHeaders;
          try {
            const reply = await rawRequest(
              server.port,
              `GET / HTTP/1.1\r\nHost: x\r\n${row.headers}Connection: close\r\n\r\n`,
            );
            const status = Number(/^HTTP\/1\.1 (\d+)/.exec(reply)?.[1]);
            assert.equal(status, insecureHTTPParser ? row.insecure : row.strict);
            const token = insecureHTTPParser ? row.lenientToken : undefined;
            if (status === 200 && token !== undefined) {
              assert.match(reply, new RegExp(`${token}$`));
              assert.equal(output.stdout(), `[openReplaySessionToken=${token}] served\n`);
            } else if (status === 200) {
              assert.match(reply, /no token$/);
              assert.equal(output.stdout(), 'served\n');
              const after = stats().invalidHeaders;
              assert.ok(
                after.sessionToken + after.recordingId > before.sessionToken + before.recordingId,
              );
            }
          } finally {
            await server.close();
          }
          assert.ok(!output.stdout().includes(row.needle));
          assert.ok(!output.stderr().includes(row.needle));
        });
      });
    }
  });
}

test('listeners added inside the request run in its context, once and removeListener included', async () => {
  const app = express5();
  app.use(expressMiddleware());
  const seen: Array<string | undefined> = [];
  const finished = new Promise<void>((resolve) => {
    app.get('/listen', (_req, res) => {
      const removed = () => seen.push('removed listener ran');
      res.once('finish', removed);
      res.removeListener('finish', removed);
      res.once('finish', () => {
        seen.push(getContext()?.sessionToken);
        resolve();
      });
      res.send('ok');
    });
  });
  const server = await serve(app);
  try {
    await request(`${server.url}/listen`, { headers: { 'x-openreplay-sessiontoken': 'tok-1' } });
    await finished;
    assert.deepEqual(seen, ['tok-1']);
  } finally {
    await server.close();
  }
});
