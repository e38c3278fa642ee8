import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import express from 'express';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import { expressMiddleware } from '../adapters/express.js';
import { pinoOptions } from '../adapters/pino.js';
import { runWithContext } from '../src/index.js';
import { request, serve, withOutput } from './helpers.js';

const OPENREPLAY_SEARCH = /openReplaySessionToken=([0-9a-zA-Z.]+)/gi;
const N = 500;

interface Record {
  msg?: string;
  i?: number;
  req?: { url: string };
  openReplaySessionToken?: string;
  bugReplayRecordingUuid?: string;
  'openReplaySession.id'?: string;
}

async function fileLogger() {
  const dir = mkdtempSync(join(tmpdir(), 'replaylink-pino-'));
  const file = join(dir, 'app.log');
  // A sonic-boom destination: pino writes to the file descriptor, never through stdout.
  const destination = pino.destination({ dest: file, sync: false });
  await once(destination, 'ready');
  const logger = pino(pinoOptions({ base: null, timestamp: false }), destination);
  return {
    logger,
    async records(): Promise<Record[]> {
      const closed = once(destination, 'close');
      destination.end();
      await closed;
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

test(`pino, child loggers and pino-http tag each of ${N} concurrent requests exactly once`, async () => {
  await withOutput(undefined, async (output) => {
    const { logger, records, cleanup } = await fileLogger();
    let finished = 0;
    let allFinished!: () => void;
    const done = new Promise<void>((resolve) => {
      allFinished = resolve;
    });
    const app = express();
    app.use(expressMiddleware());
    app.use(pinoHttp({ logger, quietReqLogger: false }));
    app.get('/work/:i', async (req, res) => {
      const i = Number(req.params.i);
      res.on('finish', () => {
        if (++finished === N) allFinished();
      });
      logger.info('plain %d', i);
      await new Promise<void>((resolve) => setImmediate(resolve));
      logger.child({ i }).info('from a child');
      req.log.info({ i }, 'from req.log');
      logger.warn({ i });
      logger.error({ i, err: new Error(`boom ${i}`) });
      res.send('ok');
    });
    const server = await serve(app as unknown as RequestListener);
    try {
      await Promise.all(
        Array.from({ length: N }, (_, i) =>
          request(`${server.url}/work/${i}`, {
            headers: {
              'x-openreplay-sessiontoken': `tok.${i}.A`,
              'br-recording-uuid': `rec-${i}`,
              'x-openreplay-session-id': String(1000 + i),
            },
          }),
        ),
      );
      await done;
    } finally {
      await server.close();
    }
    const all = await records();
    cleanup();
    assert.equal(all.length, N * 6, 'five records per handler plus pino-http');
    const perRequest = new Map<number, string[]>();
    for (const record of all) {
      const msg = record.msg ?? '';
      // Which request wrote it, read from the record's own data, never from the tag.
      const i =
        record.i ?? Number(record.req?.url.split('/').pop() ?? /plain (\d+)$/.exec(msg)?.[1]);
      const found = [...msg.matchAll(OPENREPLAY_SEARCH)].map((m) => m[1]);
      assert.deepEqual(found, [`tok.${i}.A`], `one token tag in ${JSON.stringify(record)}`);
      assert.equal(msg.split('bugReplayRecordingUuid=').length, 2, msg);
      assert.equal(msg.split('openReplaySession.id=').length, 2, msg);
      assert.ok(
        msg.startsWith(
          `[openReplaySessionToken=tok.${i}.A] [bugReplayRecordingUuid=rec-${i}] [openReplaySession.id=${1000 + i}]`,
        ),
        msg,
      );
      assert.equal(record.openReplaySessionToken, `tok.${i}.A`);
      assert.equal(record.bugReplayRecordingUuid, `rec-${i}`);
      assert.equal(record['openReplaySession.id'], String(1000 + i));
      perRequest.set(i, [...(perRequest.get(i) ?? []), msg.replace(/^(\[[^\]]+\] ?)+/, '')]);
    }
    assert.equal(perRequest.size, N);
    for (const [i, msgs] of perRequest) {
      assert.deepEqual(
        msgs.sort(),
        ['', `boom ${i}`, 'from a child', 'from req.log', `plain ${i}`, 'request completed'].sort(),
      );
    }
    assert.equal(output.stdout(), '', 'pino writes to its own destination, not stdout');
  });
});

test('outside a context pino records are unchanged; tags follow the tags option', async () => {
  await withOutput({ tags: ['sessionId'] }, async () => {
    const { logger, records, cleanup } = await fileLogger();
    logger.info({ a: 1 }, 'outside');
    runWithContext({ sessionToken: 'secret.token', sessionId: '42' }, () => {
      logger.info('inside');
      logger.info(new Error('failure'));
      logger.info({ msg: 'carried in the object', a: 2 });
    });
    const all = await records();
    cleanup();
    assert.deepEqual(all[0], { level: 30, a: 1, msg: 'outside' });
    assert.deepEqual(all[1], {
      level: 30,
      'openReplaySession.id': '42',
      msg: '[openReplaySession.id=42] inside',
    });
    assert.equal(all[2]!.msg, '[openReplaySession.id=42] failure');
    assert.deepEqual(all[3], {
      level: 30,
      'openReplaySession.id': '42',
      a: 2,
      msg: '[openReplaySession.id=42] carried in the object',
    });
    assert.ok(!JSON.stringify(all).includes('secret.token'), 'the token is not tagged');
  });
});

test('pinoOptions keeps the user mixin, hooks and other options', async () => {
  await withOutput(undefined, async () => {
    const calls: string[] = [];
    const options = pinoOptions({
      level: 'debug',
      mixin: () => ({ service: 'orders' }),
      hooks: {
        logMethod(args, method) {
          calls.push(String(args[0]));
          method.apply(this, args);
        },
      },
    });
    assert.equal(options.level, 'debug');
    const lines: string[] = [];
    const logger = pino(
      { ...options, base: null, timestamp: false },
      {
        write: (s: string) => lines.push(s),
      },
    );
    runWithContext({ sessionToken: 't.1' }, () => logger.debug('hi'));
    assert.deepEqual(calls, ['[openReplaySessionToken=t.1] hi']);
    assert.deepEqual(JSON.parse(lines[0]!), {
      level: 20,
      openReplaySessionToken: 't.1',
      service: 'orders',
      msg: '[openReplaySessionToken=t.1] hi',
    });
  });
});

test('pinoOptions leaves the logged object alone: the record keeps its own keys, outside a request it is written as given', async () => {
  const { logger, records } = await fileLogger();
  const order = { i: 1, openReplaySessionToken: 'own.value' };
  const plain = { i: 2 };
  runWithContext({ sessionToken: 'pino.own' }, () => {
    logger.info(order, 'inside');
    logger.info(plain, 'inside');
  });
  logger.info(plain, 'outside');
  const [own, tagged, outside] = await records();
  assert.equal(own?.openReplaySessionToken, 'own.value');
  assert.equal(tagged?.openReplaySessionToken, 'pino.own');
  assert.equal(outside?.openReplaySessionToken, undefined);
  assert.equal(outside?.msg, 'outside');
  assert.deepEqual(plain, { i: 2 });
  assert.deepEqual(order, { i: 1, openReplaySessionToken: 'own.value' });
});
