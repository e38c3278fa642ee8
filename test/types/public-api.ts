// Type tests: checked by `tsc --noEmit` (npm run lint), never executed.
// Each @ts-expect-error line must fail to compile; the rest must compile.
import type { IncomingMessage } from 'node:http';
import express from 'express';
import { expressErrorHandler, expressMiddleware } from '../../adapters/express.js';
import {
  captureException,
  close,
  type ForwardEvent,
  flush,
  getContext,
  init,
  log,
  type ReplayLinkClient,
  type RequestContext,
  runWithContext,
  stats,
} from '../../src/index.js';

const client: ReplayLinkClient = init({
  apiKey: 'key',
  compression: 'gzip',
  forward: { exceptions: true, logs: 'warn' },
  beforeSend: (event: ForwardEvent) => (event.type === 'log' ? null : event),
});
const closed: Promise<boolean> = client.close(500);
const flushed: Promise<boolean> = flush();
const queued: boolean = captureException(new Error('x'), { orderId: 1 });
const logged: boolean = log('message', { level: 'warn', title: 't', metadata: { a: 1 } });
const context: RequestContext | undefined = getContext();
const token: string | undefined = context?.sessionToken;
const dropped: number = stats().dropped.queueFull;
const result: number = runWithContext({ recordingId: 'r' }, () => 1);
void [closed, flushed, queued, logged, token, dropped, result, close];

const app = express();
app.use(expressMiddleware());
app.use(
  expressMiddleware({
    stamp: false,
    shouldForward: (_err: unknown, _req: IncomingMessage) => true,
  }),
);
app.use(expressErrorHandler({ shouldForward: () => false }));

// @ts-expect-error compression is one of three encodings
init({ compression: 'zip' });
// @ts-expect-error forward.logs has no 'debug' level
init({ forward: { logs: 'debug' } });
// @ts-expect-error beforeSend returns an event or null
init({ beforeSend: () => 'drop' });
// @ts-expect-error stamp is a boolean
init({ stamp: 'yes' });
// @ts-expect-error unknown options are refused
init({ apikey: 'typo' });
// @ts-expect-error the context is read-only
if (context) context.sessionToken = 'forged';
// @ts-expect-error log levels are fixed
log('x', { level: 'fatal' });
