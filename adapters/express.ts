import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AdapterEntryOptions,
  adapterScope,
  captureRequestError,
  expressRoute,
  type ShouldForward,
} from '../src/index.js';

/** Options of {@link expressMiddleware}: adapter options, plus `init` options when given. */
export type ExpressMiddlewareOptions = AdapterEntryOptions;

type Next = (err?: unknown) => void;

/**
 * Express 4/5 middleware that gives each request its replaylink context for the rest
 * of its life: handlers, `next()`, error middleware, body parsers and `res.on('finish')`.
 *
 * @example
 * import express from 'express';
 * import { expressMiddleware } from 'replaylink/express';
 * const app = express();
 * app.use(expressMiddleware());
 */
export function expressMiddleware(
  options?: ExpressMiddlewareOptions,
): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  const { enter, options: adapter } = adapterScope(options, expressRoute);
  const last = lastErrorLayer(adapter.shouldForward);
  return function replaylink(req, res, next) {
    addLastErrorLayer((req as { app?: ExpressApp }).app, last);
    enter(req, res, next);
  };
}

/** The part of an Express 4/5 application used to append the last error layer. */
interface ExpressApp {
  use(
    handler: (err: unknown, req: IncomingMessage, res: ServerResponse, next: Next) => void,
  ): unknown;
  [kLastErrorLayer]?: true;
}

const kLastErrorLayer = Symbol.for('replaylink.express.lastErrorLayer');

/**
 * The error layer appended to the application, after everything registered before its
 * first request: an error no handler answered is noted (for `$context.error.*`) and
 * forwarded once before Express's final handler answers it, even without
 * {@link expressErrorHandler}.
 */
function lastErrorLayer(shouldForward: ShouldForward | undefined) {
  return function replaylinkLastErrors(
    err: unknown,
    req: IncomingMessage,
    _res: ServerResponse,
    next: Next,
  ) {
    captureRequestError(err, req, shouldForward);
    next(err);
  };
}

// Express routes the stack as a live array: a layer appended now also serves this request.
function addLastErrorLayer(app: ExpressApp | undefined, layer: ReturnType<typeof lastErrorLayer>) {
  if (app === undefined || app[kLastErrorLayer] || typeof app.use !== 'function') return;
  app[kLastErrorLayer] = true;
  try {
    app.use(layer);
  } catch {
    // Not an Express application after all: leave it alone.
  }
}

/** Options of {@link expressErrorHandler}. */
export interface ExpressErrorHandlerOptions {
  /** Whether to forward an error. Default: status 500 or more, or no status. */
  shouldForward?: ShouldForward;
}

/**
 * Express error middleware that forwards server errors to the send API (once per error,
 * however many capture points it passes) and hands the error on, unchanged, with
 * `next(err)`. Mount it after your routes and before your own error handlers.
 *
 * @example
 * app.use(expressErrorHandler());
 * app.use((err, req, res, next) => res.status(500).json({ error: 'internal' }));
 */
export function expressErrorHandler(
  options: ExpressErrorHandlerOptions = {},
): (err: unknown, req: IncomingMessage, res: ServerResponse, next: Next) => void {
  const { shouldForward } = options;
  return function replaylinkErrors(err, req, _res, next) {
    captureRequestError(err, req, shouldForward);
    next(err);
  };
}
