import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequestScope, init, type ReplayLinkOptions } from '../src/index.js';

/** Options of {@link expressMiddleware}: when given, they are passed to `init()`. */
export type ExpressMiddlewareOptions = ReplayLinkOptions;

type Next = (err?: unknown) => void;

/** `baseUrl` + the matched route's path, e.g. `/api` + `/orders/:id`. */
function expressRoute(req: IncomingMessage): string | undefined {
  const { route, baseUrl } = req as { route?: { path?: unknown }; baseUrl?: string };
  return typeof route?.path === 'string' ? `${baseUrl ?? ''}${route.path}` : undefined;
}

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
  if (options !== undefined) init(options);
  const enter = createRequestScope({ routeOf: expressRoute });
  return function replaylink(req, res, next) {
    enter(req, res, next);
  };
}
