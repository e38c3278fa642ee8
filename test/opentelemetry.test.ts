import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { test } from 'node:test';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import express from 'express';
import { expressMiddleware } from '../adapters/express.js';
import { stats } from '../src/index.js';
import { request, serve, withOutput } from './helpers.js';
import { mintToken } from './openreplay.js';

const TRACKER_TOKEN = mintToken('secret', 16140324065183488n, 1_900_000_000_000);

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const tracer = trace.getTracer('test');

/** An app whose first middleware opens the server span, as HTTP instrumentation does. */
function tracedApp(openTelemetry: boolean): RequestListener {
  const app = express();
  app.use((req, res, next) => {
    tracer.startActiveSpan(`GET ${req.path}`, (span) => {
      res.on('finish', () => span.end());
      next();
    });
  });
  app.use(expressMiddleware({ openTelemetry }));
  app.get('/:name', (_req, res) => {
    tracer.startActiveSpan('work', (span) => span.end());
    res.send('ok');
  });
  return app as unknown as RequestListener;
}

async function spansOf(openTelemetry: boolean, calls: Array<[string, Record<string, string>]>) {
  exporter.reset();
  const server = await serve(tracedApp(openTelemetry));
  try {
    await Promise.all(calls.map(([path, headers]) => request(`${server.url}${path}`, { headers })));
  } finally {
    await server.close();
  }
  await provider.forceFlush();
  return new Map(exporter.getFinishedSpans().map((s) => [s.name, s.attributes]));
}

test('the active server span gets session.id and bugreplay.recording_id, never the raw token', async () => {
  await withOutput(undefined, async () => {
    const spans = await spansOf(true, [
      ['/with-id', { 'x-openreplay-session-id': '5551', 'x-openreplay-sessiontoken': 'tok.1' }],
      [
        '/token-only',
        { 'x-openreplay-sessiontoken': 'secret.token.2', 'br-recording-uuid': 'rec-2' },
      ],
      ['/nothing', {}],
      ['/tracker-token', { 'x-openreplay-session-token': TRACKER_TOKEN }],
    ]);
    assert.deepEqual(spans.get('GET /with-id'), { 'session.id': '5551' });
    // OpenReplay's own token: the session id read from it.
    assert.deepEqual(spans.get('GET /tracker-token'), { 'session.id': '16140324065183488' });
    const hashed = createHash('sha256').update('secret.token.2').digest('hex').slice(0, 32);
    assert.deepEqual(spans.get('GET /token-only'), {
      'session.id': hashed,
      'bugreplay.recording_id': 'rec-2',
    });
    assert.deepEqual(spans.get('GET /nothing'), {});
    const all = JSON.stringify([...spans.values()]);
    assert.ok(
      !all.includes('secret.token.2') && !all.includes('tok.1') && !all.includes(TRACKER_TOKEN),
      all,
    );
    assert.equal(stats().integrationErrors, 0);
  });
});

test('without the openTelemetry option spans are left alone', async () => {
  await withOutput(undefined, async () => {
    const spans = await spansOf(false, [['/with-id', { 'x-openreplay-session-id': '5551' }]]);
    assert.deepEqual(spans.get('GET /with-id'), {});
  });
});

test('span attributes follow the tags option: no session.id from a token left out', async () => {
  await withOutput({ tags: ['recordingId'] }, async () => {
    const spans = await spansOf(true, [
      ['/token', { 'x-openreplay-sessiontoken': 'tok.3', 'br-recording-uuid': 'rec-3' }],
      ['/id', { 'x-openreplay-session-id': '5552' }],
    ]);
    assert.deepEqual(spans.get('GET /token'), { 'bugreplay.recording_id': 'rec-3' });
    assert.deepEqual(spans.get('GET /id'), {});
  });
});
