import type { IncomingMessage } from 'node:http';
import type { ArgumentsHost } from '@nestjs/common';
import { ExceptionsHandler } from '@nestjs/core/exceptions/exceptions-handler.js';
import {
  attachFrameworkRequest,
  captureRequestError,
  type ShouldForward,
} from '../../src/index.js';

const kShouldForward: unique symbol = Symbol.for('replaylink.nestjs.shouldForward');
const kObserved = Symbol.for('replaylink.nestjs.exceptionsObserved');

type Marked = IncomingMessage & { [kShouldForward]?: ShouldForward | undefined };

/** Marks a request as one whose exceptions are forwarded, with the module's rule. */
export function observeExceptionsOf(req: IncomingMessage, shouldForward?: ShouldForward): void {
  (req as Marked)[kShouldForward] = shouldForward;
}

/** The raw request behind an HTTP arguments host (Express's is raw, Fastify's has `.raw`). */
function rawRequestOf(host: ArgumentsHost): Marked | undefined {
  if (host.getType() !== 'http') return undefined;
  const req = host.getArgByIndex(0) as { raw?: IncomingMessage } | undefined;
  const raw = (req?.raw ?? req) as Marked | undefined;
  if (raw === undefined || !(kShouldForward in raw)) return undefined;
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
 * not see guard errors. Installed once per process; apps or requests without the
 * module's middleware are left alone.
 */
export function installExceptionObserver(): void {
  const proto = ExceptionsHandler.prototype as ExceptionsHandler & { [kObserved]?: true };
  if (proto[kObserved]) return;
  const original = proto.next;
  proto.next = function next(this: ExceptionsHandler, exception: unknown, host: ArgumentsHost) {
    // captureRequestError never throws: observing must never change how Nest answers.
    const req = rawRequestOf(host);
    if (req !== undefined) captureRequestError(exception, req, req[kShouldForward]);
    return original.call(this, exception as never, host as never);
  };
  proto[kObserved] = true;
}
