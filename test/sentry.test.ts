import assert from 'node:assert/strict';
import type { IncomingMessage, RequestListener } from 'node:http';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import * as Sentry from '@sentry/node';
import express from 'express';
import { expressMiddleware } from '../adapters/express.js';
import { replayLinkIntegration } from '../adapters/sentry.js';
import { request, serve, withOutput } from './helpers.js';

interface SentEvent {
  message?: string;
  exception?: { values: Array<{ value: string }> };
  tags?: Record<string, string>;
}

/** A local Sentry ingest endpoint: collects the events of the envelopes it receives. */
async function sentrySink() {
  const events: SentEvent[] = [];
  const sink = await serve((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const lines = body.toString().split('\n');
      for (let i = 1; i + 1 < lines.length; i += 2) {
        const item = JSON.parse(lines[i]!) as { type: string };
        if (item.type === 'event') events.push(JSON.parse(lines[i + 1]!) as SentEvent);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return { events, sink };
}

test('events captured by @sentry/node inside two concurrent requests carry their own tags', async () => {
  await withOutput(undefined, async () => {
    const { events, sink } = await sentrySink();
    Sentry.init({
      dsn: `http://public@127.0.0.1:${sink.port}/1`,
      integrations: [replayLinkIntegration()],
    });
    // Both requests are inside their handlers before either captures anything.
    let arrived = 0;
    let bothArrived!: () => void;
    const barrier = new Promise<void>((resolve) => {
      bothArrived = resolve;
    });
    const app = express();
    app.use(expressMiddleware());
    app.get('/fail/:name', async (req, res) => {
      if (++arrived === 2) bothArrived();
      await barrier;
      Sentry.captureException(new Error(`failed ${req.params.name}`));
      Sentry.captureMessage(`message ${req.params.name}`);
      res.send('ok');
    });
    const server = await serve(app as unknown as RequestListener);
    try {
      await Promise.all([
        request(`${server.url}/fail/a`, {
          headers: { 'x-openreplay-sessiontoken': 'tok.a', 'x-openreplay-session-id': '111' },
        }),
        request(`${server.url}/fail/b`, {
          headers: { 'x-openreplay-sessiontoken': 'tok.b', 'br-recording-uuid': 'rec-b' },
        }),
      ]);
      Sentry.captureMessage('outside any request');
      assert.ok(await Sentry.flush(5000), 'Sentry flushed its queue');
    } finally {
      await Sentry.close();
      await server.close();
      await sink.close();
    }
    const byText = new Map(
      events.map((e) => [e.message ?? e.exception?.values[0]?.value ?? '', e.tags ?? {}]),
    );
    assert.equal(events.length, 5);
    const a = { openReplaySessionToken: 'tok.a', 'openReplaySession.id': '111' };
    const b = { openReplaySessionToken: 'tok.b', bugReplayRecordingUuid: 'rec-b' };
    const ours = (tags: Record<string, string> | undefined) =>
      Object.fromEntries(
        Object.entries(tags ?? {}).filter(([k]) => /^(openReplay|bugReplay)/.test(k)),
      );
    assert.deepEqual(ours(byText.get('failed a')), a);
    assert.deepEqual(ours(byText.get('message a')), a);
    assert.deepEqual(ours(byText.get('failed b')), b);
    assert.deepEqual(ours(byText.get('message b')), b);
    assert.deepEqual(ours(byText.get('outside any request')), {});
  });
});
