import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import express from 'express';
import winston from 'winston';
import { expressMiddleware } from '../adapters/express.js';
import { winstonFormat, winstonOptions } from '../adapters/winston.js';
import { runWithContext } from '../src/index.js';
import { request, serve, withOutput } from './helpers.js';

const OPENREPLAY_SEARCH = /openReplaySessionToken=([0-9a-zA-Z.]+)/gi;
const N = 500;

interface Record {
  message: string;
  i?: number;
  openReplaySessionToken?: string;
  bugReplayRecordingUuid?: string;
}

function fileLogger() {
  const dir = mkdtempSync(join(tmpdir(), 'replaylink-winston-'));
  const filename = join(dir, 'app.log');
  const transport = new winston.transports.File({ filename });
  const logger = winston.createLogger(
    winstonOptions({ format: winston.format.json(), transports: [transport], level: 'debug' }),
  );
  let logged = 0;
  transport.on('logged', () => transport.emit(`logged ${++logged}`));
  return {
    logger,
    async records(expected: number): Promise<Record[]> {
      // Ending winston while records are still buffered loses them: wait until all are logged.
      if (logged < expected) await once(transport, `logged ${expected}`);
      const finished = once(transport, 'finish');
      logger.end();
      await finished;
      const lines = readFileSync(filename, 'utf8').split('\n').filter(Boolean);
      rmSync(dir, { recursive: true, force: true });
      return lines.map((line) => JSON.parse(line) as Record);
    },
  };
}

test(`winston and its child loggers tag each of ${N} concurrent requests exactly once`, async () => {
  await withOutput(undefined, async () => {
    const { logger, records } = fileLogger();
    const app = express();
    app.use(expressMiddleware());
    app.get('/work/:i', async (req, res) => {
      const i = Number(req.params.i);
      logger.info('plain', { i });
      // A burst fills winston's stream buffer: formats then run later, in another context.
      for (let k = 0; k < 20; k++) logger.debug('burst', { i });
      await new Promise<void>((resolve) => setImmediate(resolve));
      logger.child({ i }).warn('from a child');
      logger.log({ level: 'error', message: '', i });
      res.send('ok');
    });
    const server = await serve(app as unknown as RequestListener);
    try {
      await Promise.all(
        Array.from({ length: N }, (_, i) =>
          request(`${server.url}/work/${i}`, {
            headers: { 'x-openreplay-sessiontoken': `tok.${i}.W`, 'br-recording-uuid': `rec-${i}` },
          }),
        ),
      );
    } finally {
      await server.close();
    }
    const all = await records(N * 23);
    assert.equal(all.length, N * 23);
    const perRequest = new Map<number, string[]>();
    for (const record of all) {
      const i = record.i!;
      const found = [...record.message.matchAll(OPENREPLAY_SEARCH)].map((m) => m[1]);
      assert.deepEqual(found, [`tok.${i}.W`], JSON.stringify(record));
      assert.ok(
        record.message.startsWith(
          `[openReplaySessionToken=tok.${i}.W] [bugReplayRecordingUuid=rec-${i}]`,
        ),
        record.message,
      );
      assert.equal(record.openReplaySessionToken, `tok.${i}.W`);
      assert.equal(record.bugReplayRecordingUuid, `rec-${i}`);
      perRequest.set(i, [
        ...(perRequest.get(i) ?? []),
        record.message.replace(/^(\[[^\]]+\] ?)+/, ''),
      ]);
    }
    assert.equal(perRequest.size, N);
    const expected = ['', 'from a child', 'plain', ...Array(20).fill('burst')].sort();
    for (const msgs of perRequest.values()) assert.deepEqual(msgs.sort(), expected);
  });
});

test('winston records outside a context are unchanged; a format on a transport too tags once', async () => {
  await withOutput(undefined, async () => {
    const lines: string[] = [];
    const format = winstonFormat();
    const logger = winston.createLogger({
      ...winstonOptions({ defaultMeta: { service: 'api' } }),
      transports: [
        new winston.transports.Stream({
          stream: new (await import('node:stream')).Writable({
            write(chunk, _enc, cb) {
              lines.push(String(chunk).trim());
              cb();
            },
          }),
          format: winston.format.combine(format, winston.format.json()),
        }),
      ],
    });
    logger.info('outside', { a: 1 });
    runWithContext({ sessionToken: 't.9', sessionId: '77' }, () => logger.info('inside'));
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(JSON.parse(lines[0]!), {
      level: 'info',
      message: 'outside',
      a: 1,
      service: 'api',
    });
    assert.deepEqual(JSON.parse(lines[1]!), {
      level: 'info',
      service: 'api',
      message: '[openReplaySessionToken=t.9] [openReplaySession.id=77] inside',
      openReplaySessionToken: 't.9',
      'openReplaySession.id': '77',
    });
  });
});
