import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AdapterEntryOptions,
  adapterScope,
  captureRequestError,
  expressRoute,
  type ShouldForward,
} from '../src/index.js';
import { type ExpressApp, keepLastErrorLayer, lastErrorLayer } from './express/error-layer.js';

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
    keepLastErrorLayer((req as { app?: ExpressApp }).app, last);
    enter(req, res, next);
  };
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
