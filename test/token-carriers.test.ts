import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { RequestListener } from 'node:http';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import * as Sentry from '@sentry/node';
import express from 'express';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import winston from 'winston';
import { expressMiddleware } from '../adapters/express.js';
import { pinoOptions, redactPaths } from '../adapters/pino.js';
import { replayLinkIntegration } from '../adapters/sentry.js';
import { winstonFormat } from '../adapters/winston.js';
import { freePort, request, serve, withOutput } from './helpers.js';
import { mintToken } from './openreplay.js';

const TOKEN = 'secret.token.7';
const HEADERS = {
  'x-openreplay-sessiontoken': TOKEN,
  'x-openreplay-session-id': '4242',
  'br-recording-uuid': 'rec-7',
};

/** A stream that keeps what is written to it. */
function sink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

// The tracker sends only the token; the session id is read from it.
const TRACKER_TOKEN = mintToken('secret', 16140324065183488n, 1_900_000_000_000);
const CASES = [
  { sent: 'a session id header', headers: HEADERS, token: TOKEN, id: '4242' },
  {
    sent: "only the tracker's token",
    headers: { 'x-openreplay-sessiontoken': TRACKER_TOKEN, 'br-recording-uuid': 'rec-7' },
    token: TRACKER_TOKEN,
    id: '16140324065183488',
  },
];

for (const { sent, headers, token, id } of CASES)
  test(`with tags: ['sessionId'] and ${sent}, no carrier writes the token; pino-http redacts its header`, async () => {
    await withOutput({ tags: ['sessionId'] }, async (output) => {
      const sentryEvents: Array<{
        tags?: Record<string, unknown>;
        sdkProcessingMetadata?: unknown;
      }> = [];
      Sentry.init({
        dsn: `http://public@127.0.0.1:${await freePort()}/1`,
        integrations: [replayLinkIntegration()],
        beforeSend(event) {
          sentryEvents.push(event);
          return null;
        },
      });
      const pinoOut = sink();
      const logger = pino(pinoOptions({ base: null, timestamp: false }), pinoOut.stream);
      const winstonOut = sink();
      const wlogger = winston.createLogger({
        format: winston.format.combine(winstonFormat(), winston.format.json()),
        transports: [new winston.transports.Stream({ stream: winstonOut.stream })],
      });
      const app = express();
      app.use(expressMiddleware());
      app.use(pinoHttp({ logger, redact: redactPaths() }));
      app.get('/', async (req, res) => {
        console.log('stamped');
        req.log.info('from pino-http');
        wlogger.info('from winston');
        Sentry.captureException(new Error('to sentry'));
        await Sentry.flush(1000);
        res.end('ok');
      });
      const server = await serve(app as unknown as RequestListener);
      try {
        await request(server.url, { headers });
      } finally {
        await server.close();
        await Sentry.close(1000);
      }
      assert.equal(output.stdout(), `[openReplaySession.id=${id}] stamped\n`);
      const pinoText = pinoOut.lines.join('');
      assert.equal(pinoOut.lines.length, 2, pinoText);
      assert.match(pinoText, new RegExp(`"openReplaySession.id":"${id}"`));
      assert.match(pinoText, /"x-openreplay-sessiontoken":"\[Redacted\]"/);
      assert.match(winstonOut.lines.join(''), new RegExp(`openReplaySession.id=${id}`));
      assert.equal(sentryEvents.length, 1);
      assert.deepEqual(sentryEvents[0]?.tags, { 'openReplaySession.id': id });
      const everything = [
        output.stdout(),
        pinoText,
        winstonOut.lines.join(''),
        JSON.stringify(sentryEvents.map(({ sdkProcessingMetadata: _, ...sent }) => sent)),
      ];
      for (const text of everything) assert.ok(!text.includes(token), text);
    });
  });

test('redactPaths follows the configured header names and the ids left out of tags', async () => {
  await withOutput(
    { headers: { sessionToken: 'x-or-token' }, tags: ['sessionToken', 'sessionId'] },
    () => {
      assert.deepEqual(redactPaths(), [
        'req.headers["x-or-token"]',
        'req.headers["x-openreplay-sessiontoken"]',
        'req.headers["x-openreplay-session-token"]',
        'req.headers["br-recording-uuid"]',
      ]);
    },
  );
});

test('pino-http with redact remove: the token header is absent from every line', async () => {
  await withOutput(undefined, async () => {
    const out = sink();
    const logger = pino({ base: null, timestamp: false }, out.stream);
    const app = express();
    app.use(expressMiddleware());
    app.use(pinoHttp({ logger, redact: { paths: redactPaths(), remove: true } }));
    app.get('/', (_req, res) => {
      res.end('ok');
    });
    const server = await serve(app as unknown as RequestListener);
    try {
      await request(server.url, { headers: HEADERS });
    } finally {
      await server.close();
    }
    if (out.lines.length === 0) await once(out.stream, 'finish');
    const text = out.lines.join('');
    assert.match(text, /"request completed"/);
    assert.ok(!text.includes('x-openreplay-sessiontoken') && !text.includes(TOKEN), text);
  });
});
