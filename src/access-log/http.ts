import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { RequestObserver } from '../core/model.js';
import { routeOf } from '../core/request.js';
import { type AccessRecord, sourceIpOf } from './record.js';

/** The part of an access log the HTTP observer needs. */
interface LineWriter {
  write(record: AccessRecord): void;
  uses(name: string): boolean;
  skip?: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
}

function skipped(log: LineWriter, req: IncomingMessage, res: ServerResponse): boolean {
  if (log.skip === undefined) return false;
  try {
    return log.skip(req, res) === true;
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
 * connection closes first (client abort). Listeners on `res` run in the request's
 * context, so the route and the noted error are known by then.
 */
export function httpObserver(log: LineWriter): RequestObserver {
  const wantsIp = log.uses('identity.sourceIp');
  const wantsHandlerTime = log.uses('integrationLatency') || log.uses('integration.latency');
  return (context, facts) => {
    const { req, res } = facts;
    const started = performance.now();
    const sourceIp = wantsIp ? sourceIpOf(req) : undefined;
    let handled: number | undefined;
    if (wantsHandlerTime)
      res.once('prefinish', () => {
        handled = performance.now() - started;
      });
    const end = () => {
      res.off('finish', end);
      res.off('close', end);
      if (skipped(log, req, res)) return;
      const sent = res.writableFinished;
      log.write({
        eventType: 'REQUEST',
        context,
        req,
        sourceIp,
        requestId: context.requestId,
        routeKey: () => `${context.method} ${routeOf(context) ?? context.path}`,
        status: res.headersSent ? res.statusCode : undefined,
        error: facts.error,
        integrationLatency: handled === undefined ? undefined : Math.round(handled),
        responseLatency: sent ? Math.round(performance.now() - started) : undefined,
        responseLength: lengthOf(res),
        connectionId: undefined,
        connectedAt: undefined,
        messageId: undefined,
      });
    };
    res.on('finish', end);
    res.on('close', end);
  };
}
