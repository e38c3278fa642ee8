import type { IncomingMessage, ServerResponse } from 'node:http';
import { ensureInit } from './client.js';
import { requestScope, type ScopeOptions } from './core/request.js';

/**
 * Returns the function an adapter calls once per request: it enters the request's
 * context and calls `next` inside it. A second call for the same request (nested
 * mounts, Nest on Express) reuses the context.
 *
 * @example
 * const enter = createRequestScope({ routeOf: (req) => myRouter.match(req)?.pattern });
 * server.on('request', (req, res) => enter(req, res, () => handle(req, res)));
 */
export function createRequestScope(options: ScopeOptions = {}) {
  return requestScope(options, ensureInit);
}

const defaultScope = requestScope({}, ensureInit);

/**
 * Enters a request's context around `next`; the core call behind every adapter.
 * Use it directly for a framework replaylink has no adapter for.
 *
 * @example
 * server.on('request', (req, res) => runRequest(req, res, () => handle(req, res)));
 */
export function runRequest<T>(req: IncomingMessage, res: ServerResponse, next: () => T): T {
  return defaultScope(req, res, next);
}
