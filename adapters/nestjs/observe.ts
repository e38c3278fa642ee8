import type { IncomingMessage } from 'node:http';
import type { ArgumentsHost } from '@nestjs/common';
import {
  attachFrameworkRequest,
  captureRequestError,
  type ShouldForward,
} from '../../src/index.js';

// Registered: the module of one build marks, the observer of the other may read.
const kShouldForward = Symbol.for('replaylink.nestjs.shouldForward');
const kObserved = Symbol.for('replaylink.nestjs.exceptionsObserved');

type Marked = IncomingMessage & { [kShouldForward]?: ShouldForward | undefined };

/** What `ExceptionsHandler.prototype` is to the observer: its `next`, and our mark. */
export interface ExceptionsHandlerProto {
  next(exception: unknown, host: ArgumentsHost): unknown;
  [kObserved]?: { everyRequest: boolean };
}

/** Marks a request as one whose exceptions are forwarded, with the module's rule. */
export function observeExceptionsOf(req: IncomingMessage, shouldForward?: ShouldForward): void {
  (req as Marked)[kShouldForward] = shouldForward;
}

/**
 * The raw request behind an HTTP arguments host (Express's is raw, Fastify's has `.raw`),
 * when its exceptions are observed: marked by the module, or every request.
 */
function rawRequestOf(host: ArgumentsHost, everyRequest: boolean): Marked | undefined {
  if (host.getType() !== 'http') return undefined;
  const req = host.getArgByIndex(0) as { raw?: IncomingMessage } | undefined;
  const raw = (req?.raw ?? req) as Marked | undefined;
  if (typeof raw !== 'object' || raw === null) return undefined;
  if (!everyRequest && !(kShouldForward in raw)) return undefined;
  // Nest's middleware saw only the raw request; Fastify's knows the matched route.
  if (req !== raw) attachFrameworkRequest(raw, req);
  return raw;
}

/**
 * Observes every exception Nest's HTTP exception handling receives, then lets it run
 * unchanged. Why here: RouterProxy (routes) and the middleware module send every
 * exception from middleware, guards, interceptors, pipes and handlers to one
 * `ExceptionsHandler.next`, which picks the app's filters or the built-in one. A filter
 * of ours would take the place of the app's catch-all filters, and an interceptor does
 * not see guard errors. Installed once per process; without `everyRequest` (what
 * `replaylink/register` asks for), requests the module's middleware did not see are left
 * alone. A request outside any replaylink context is never forwarded.
 */
export function observeExceptions(proto: ExceptionsHandlerProto, everyRequest = false): void {
  const observed = proto[kObserved];
  if (observed !== undefined) {
    observed.everyRequest ||= everyRequest;
    return;
  }
  const mode = { everyRequest };
  const original = proto.next;
  proto.next = function next(this: unknown, exception: unknown, host: ArgumentsHost) {
    // captureRequestError never throws: observing must never change how Nest answers.
    const req = rawRequestOf(host, mode.everyRequest);
    if (req !== undefined) captureRequestError(exception, req, req[kShouldForward]);
    return original.call(this, exception, host);
  };
  proto[kObserved] = mode;
}
