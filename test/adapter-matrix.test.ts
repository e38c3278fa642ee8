import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { flush, getContext, type ReplayLinkOptions } from '../src/index.js';
import {
  delay,
  immediately,
  later,
  rawRequest,
  request,
  useReceiver,
  withOutput,
} from './helpers.js';
import { entries, start } from './matrix/adapters.js';
import type { Routes } from './matrix/routes.js';
import { useSeed } from './seed.js';

// The same scenarios for every adapter and framework major in test/matrix/adapters.ts.

const KEY = 'sk_matrix_key';
const receiver = useReceiver(KEY);

const forwarding = (): ReplayLinkOptions => ({
  apiKey: KEY,
  endpoint: receiver.url,
  forward: { exceptions: true, logs: false },
});
const exceptions = () => receiver.events.filter((event) => event.type === 'exception');

const random = useSeed();
const jitter = () => delay(Math.floor(random() * 4));
const TAG_RE = /^\[openReplaySessionToken=([^\]]+)\] (\w+) (\d+)$/;
const KINDS = ['await', 'timeout', 'immediate', 'chain', 'emitter', 'finish'];

/** Counts the isolation routes' 'finish' lines; `finished(n)` resolves once `n` were written. */
const finishes = {
  count: 0,
  waiter: undefined as { target: number; done: () => void } | undefined,
  finished(target: number) {
    return new Promise<void>((done) => {
      if (this.count >= target) return done();
      this.waiter = { target, done };
    });
  },
  note() {
    this.count++;
    if (this.waiter && this.count >= this.waiter.target) this.waiter.done();
  },
};

const isolationRoutes: Routes = {
  async work({ id, res }) {
    res.on('finish', () => {
      console.log(`finish ${id}`);
      finishes.note();
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
    return { json: { id, token: getContext()?.sessionToken } };
  },
};

/** A body written from timers; every chunk read and the end of the response log a line. */
function slowStream(id: string): Readable {
  let left = 3;
  return new Readable({
    read() {
      setTimeout(() => {
        console.log(`chunk ${id}`);
        this.push(left-- > 0 ? `${getContext()?.sessionToken};` : null);
      }, 1);
    },
  });
}

const routes: Routes = {
  async echo() {
    console.log('served');
    return { text: getContext()?.sessionToken ?? 'no token' };
  },
  async fail({ id }) {
    await delay(1);
    console.error(`failing ${id}`);
    throw new Error(`failed after await ${id}`);
  },
  async stream({ id, res }) {
    res.on('finish', () => console.log(`finish ${id}`));
    await delay(1);
    return { stream: slowStream(id) };
  },
};

// [name, header lines, text that must never be written, status]. 400 is Node's own HTTP
// parser refusing the request before any framework code runs; every other hostile header
// is ignored and the request served without a token.
const hostile: Array<[string, string, string, 200 | 400]> = [
  ['closing bracket', 'X-OpenReplay-SessionToken: tok]fake[x=y\r\n', 'fake', 200],
  ['10 KB value', `X-OpenReplay-SessionToken: ${'A'.repeat(10_240)}\r\n`, 'AAAAAAAA', 200],
  [
    'duplicated header',
    'X-OpenReplay-SessionToken: one\r\nX-OpenReplay-SessionToken: two\r\n',
    'one',
    200,
  ],
  ['bad recording id', 'br-recording-uuid: 1234 <script>\r\n', 'script', 200],
  [
    'ANSI escape (rejected by the parser)',
    'X-OpenReplay-SessionToken: t\x1b[31mred\r\n',
    '\x1b',
    400,
  ],
];

for (const entry of entries) {
  describe(`adapter matrix: ${entry.name}`, () => {
    test('1,000 concurrent requests each see and stamp only their own token', async () => {
      await withOutput(undefined, async (output) => {
        const server = await start(entry, isolationRoutes);
        finishes.count = 0;
        try {
          const replies = await Promise.all(
            Array.from({ length: 1000 }, (_, i) =>
              request(`${server.url}/r/work/${i}`, {
                headers: { 'x-openreplay-sessiontoken': `tok.${i}` },
              }),
            ),
          );
          replies.forEach((reply, i) => {
            assert.equal(reply.status, 200, reply.body);
            assert.deepEqual(JSON.parse(reply.body), { id: String(i), token: `tok.${i}` });
          });
          // 'finish' can fire after the client has read the reply.
          await finishes.finished(1000);
        } finally {
          await server.close();
        }
        const lines = output.stdout().split('\n').filter(Boolean);
        const seen = new Map<string, string[]>();
        for (const line of lines) {
          const match = TAG_RE.exec(line);
          assert.ok(match, `untagged or malformed line: ${JSON.stringify(line)}`);
          const [, token, kind, id] = match;
          assert.equal(token, `tok.${id}`, line);
          seen.set(id!, [...(seen.get(id!) ?? []), kind!]);
        }
        assert.equal(seen.size, 1000);
        for (const kinds of seen.values()) assert.deepEqual(kinds.sort(), [...KINDS].sort());
      });
    });

    test('both ids are stamped on stdout and stderr lines', async () => {
      await withOutput(undefined, async (output) => {
        const server = await start(entry, routes);
        try {
          const reply = await request(`${server.url}/r/fail/7`, {
            headers: { 'x-openreplay-sessiontoken': 'tok-s', 'br-recording-uuid': 'rec-s' },
          });
          assert.equal(reply.status, 500);
          await request(`${server.url}/r/echo/1`, {
            headers: { 'x-openreplay-sessiontoken': 'tok-s' },
          });
        } finally {
          await server.close();
        }
        assert.equal(output.stdout(), '[openReplaySessionToken=tok-s] served\n');
        assert.equal(
          output.stderr(),
          '[openReplaySessionToken=tok-s] [bugReplayRecordingUuid=rec-s] failing 7\n',
        );
      });
    });

    test('hostile headers are ignored and never written', async () => {
      await withOutput(undefined, async (output) => {
        const server = await start(entry, routes);
        try {
          for (const [name, headers, needle, expected] of hostile) {
            const reply = await rawRequest(
              server.port,
              `GET /r/echo/1 HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`,
            );
            // An empty reply (a dropped connection) has no status line and fails here.
            const status = Number(/^HTTP\/1\.1 (\d+) /.exec(reply)?.[1]);
            assert.equal(status, expected, `${name}: ${JSON.stringify(reply.slice(0, 80))}`);
            if (status === 200) assert.match(reply, /\r\n\r\nno token$/, name);
            assert.ok(!output.stdout().includes(needle), name);
            assert.ok(!output.stderr().includes(needle), name);
          }
        } finally {
          await server.close();
        }
        assert.match(output.stdout(), /^(served\n)+$/);
      });
    });

    test('an error thrown after an await is forwarded exactly once, with its ids', async () => {
      await withOutput(forwarding(), async () => {
        const server = await start(entry, routes);
        try {
          const reply = await request(`${server.url}/r/fail/3`, {
            headers: { 'br-recording-uuid': 'rec-fail' },
          });
          assert.equal(reply.status, 500);
          await flush();
        } finally {
          await server.close();
        }
      });
      const [event, ...rest] = exceptions();
      assert.equal(rest.length, 0);
      assert.equal(event?.uuid, 'rec-fail');
      assert.match(event?.title ?? '', /failed after await 3/);
      const metadata = JSON.parse(event?.metadata ?? '{}');
      assert.deepEqual([metadata.status, metadata.route], [500, entry.route]);
    });

    test('client errors (4xx) are answered as before and not forwarded', async () => {
      await withOutput(forwarding(), async () => {
        const server = await start(entry, {
          async missing() {
            await delay(1);
            throw entry.httpError(404, 'no such order');
          },
        });
        try {
          const reply = await request(`${server.url}/r/missing/1`, {
            headers: { 'br-recording-uuid': 'rec-4xx' },
          });
          assert.equal(reply.status, 404);
          await flush();
        } finally {
          await server.close();
        }
      });
      assert.deepEqual(exceptions(), []);
    });

    test('the accessLog option writes one line per request, with its route, status and ids', async () => {
      const lines: string[] = [];
      const template =
        '{"routeKey":"$context.routeKey","status":"$context.status","token":"$context.openReplaySessionToken","error":"$context.error.message"}';
      await withOutput(forwarding(), async () => {
        const server = await start(
          entry,
          {
            async ok({ id }) {
              return { text: id };
            },
            async boom() {
              await delay(1);
              throw new Error('boom in handler');
            },
          },
          { accessLog: { format: template, stream: (line: string) => lines.push(line) } },
        );
        try {
          for (let i = 0; i < 3; i++) {
            await request(`${server.url}/r/ok/${i}`, {
              headers: { 'x-openreplay-sessiontoken': `tok.${i}` },
            });
          }
          const failed = await request(`${server.url}/r/boom/9`, {
            headers: { 'x-openreplay-sessiontoken': 'tok.9' },
          });
          assert.equal(failed.status, 500);
        } finally {
          await server.close();
        }
      });
      const records = lines.map((line) => JSON.parse(line) as Record<string, string>);
      assert.equal(records.length, 4);
      records.forEach((record, i) => {
        const id = i < 3 ? String(i) : '9';
        const raw = `GET /r/${i < 3 ? 'ok' : 'boom'}/${id}`;
        // The matched pattern where the framework has a router (on success only where the
        // entry says it is known then), else the raw path.
        const routed = entry.route !== undefined && (i === 3 || entry.routeOnSuccess === true);
        assert.equal(record.routeKey, routed ? `GET ${entry.route}` : raw, `request ${i}`);
        assert.equal(record.token, `tok.${id}`);
        assert.equal(record.status, i < 3 ? '200' : '500');
      });
      assert.equal(records[3]?.error, 'boom in handler');
    });

    test('a streamed response keeps the context to its end', async () => {
      await withOutput(undefined, async (output) => {
        const server = await start(entry, routes);
        try {
          const replies = await Promise.all(
            ['a', 'b'].map((id) =>
              request(`${server.url}/r/stream/${id}`, {
                headers: { 'x-openreplay-sessiontoken': `tok-${id}` },
              }),
            ),
          );
          assert.deepEqual(
            replies.map((r) => [r.status, r.body]),
            [
              [200, 'tok-a;tok-a;tok-a;'],
              [200, 'tok-b;tok-b;tok-b;'],
            ],
          );
        } finally {
          await server.close();
        }
        const lines = output.stdout().split('\n').filter(Boolean).sort();
        assert.deepEqual(lines, [
          ...Array(4).fill('[openReplaySessionToken=tok-a] chunk a'),
          '[openReplaySessionToken=tok-a] finish a',
          ...Array(4).fill('[openReplaySessionToken=tok-b] chunk b'),
          '[openReplaySessionToken=tok-b] finish b',
        ]);
      });
    });
  });
}
