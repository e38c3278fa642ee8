import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { listenUnbound } from '../core/emitters.js';
import type { InternalContext, RequestObserver } from '../core/model.js';
import { routeOf } from '../core/request.js';
import { state } from '../core/state.js';
import { type AccessRecord, sourceIpOf } from './record.js';

/** The part of an access log the HTTP observer needs. */
interface LineWriter {
  write(record: AccessRecord): void;
  uses(name: string): boolean;
  skip?: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
}

function skipped(
  log: LineWriter,
  context: InternalContext,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  if (log.skip === undefined) return false;
  try {
    // The line's listeners run outside the request; the user's callback runs inside it.
    return state.als.run(context, log.skip, req, res) === true;
  } catch {
    return false;
  }
}

function lengthOf(res: ServerResponse): number | undefined {
  const header = res.getHeader('content-length');
  const length = typeof header === 'string' ? Number(header) : header;
  return Number.isSafeInteger(length) ? (length as number) : undefined;
}

/**
 * Follows one HTTP request and logs it once, when the response finishes or the
 * connection closes first (client abort). The route and the noted error are read from
 * the request's facts; the listeners do not bind `res` to the context, and values the
 * template does not print (request id, length) are not computed.
 */
export function httpObserver(log: LineWriter): RequestObserver {
  const wantsIp = log.uses('identity.sourceIp');
  const wantsHandlerTime = log.uses('integrationLatency') || log.uses('integration.latency');
  const wantsLength = log.uses('responseLength');
  return (context, facts) => {
    const { req, res } = facts;
    const started = performance.now();
    const sourceIp = wantsIp ? sourceIpOf(req) : undefined;
    let handled: number | undefined;
    if (wantsHandlerTime)
      listenUnbound(res, 'prefinish', () => {
        if (handled === undefined) handled = performance.now() - started;
      });
    const end = () => {
      res.off('finish', end);
      res.off('close', end);
      if (skipped(log, context, req, res)) return;
      const sent = res.writableFinished;
      log.write({
        eventType: 'REQUEST',
        context,
        req,
        sourceIp,
        requestId: undefined,
        routeKey: () => `${context.method} ${routeOf(context) ?? context.path}`,
        status: res.headersSent ? res.statusCode : undefined,
        error: facts.error,
        integrationLatency: handled === undefined ? undefined : Math.round(handled),
        responseLatency: sent ? Math.round(performance.now() - started) : undefined,
        responseLength: wantsLength ? lengthOf(res) : undefined,
        connectionId: undefined,
        connectedAt: undefined,
        messageId: undefined,
      });
    };
    listenUnbound(res, 'finish', end);
    listenUnbound(res, 'close', end);
  };
}
