import type { IncomingMessage } from 'node:http';
import { frameworkRequestOf } from './request.js';

type ExpressShaped = IncomingMessage & { route?: { path?: unknown }; baseUrl?: unknown };

/**
 * The route Express matched: `baseUrl` + the route's path, e.g. `/api` + `/orders/:id`.
 * Read by the Express adapter and by Nest on its Express platform.
 */
export function expressRoute(req: IncomingMessage): string | undefined {
  const { route, baseUrl } = req as ExpressShaped;
  if (typeof route?.path !== 'string') return undefined;
  return `${typeof baseUrl === 'string' ? baseUrl : ''}${route.path}`;
}

/**
 * The route Fastify matched (`routeOptions.url`, Fastify 4.10+ and 5), read from the
 * Fastify request the adapter entered with (or attached to the raw one). Read by the
 * Fastify adapter and by Nest on its Fastify platform.
 */
export function fastifyRoute(req: IncomingMessage, framework?: unknown): string | undefined {
  const request = (framework ?? frameworkRequestOf(req)) as
    | { routeOptions?: { url?: unknown } }
    | undefined;
  const url = request?.routeOptions?.url;
  return typeof url === 'string' ? url : undefined;
}

/**
 * The route @koa/router (`_matchedRoute`) or koa-router (`routerPath`) matched, read from
 * the Koa `ctx` the adapter entered with (or attached to the raw request).
 */
export function koaRoute(req: IncomingMessage, framework?: unknown): string | undefined {
  const ctx = (framework ?? frameworkRequestOf(req)) as
    | { _matchedRoute?: unknown; routerPath?: unknown }
    | undefined;
  const route = ctx?._matchedRoute ?? ctx?.routerPath;
  return typeof route === 'string' ? route : undefined;
}

/**
 * The route Hono matched (`c.req.routePath`: the pattern of the handler running), read
 * from the Hono context attached to the raw request.
 */
export function honoRoute(req: IncomingMessage, framework?: unknown): string | undefined {
  const c = (framework ?? frameworkRequestOf(req)) as { req?: { routePath?: unknown } } | undefined;
  try {
    const route = c?.req?.routePath;
    return typeof route === 'string' ? route : undefined;
  } catch {
    // Read before routing matched anything: Hono's getter throws.
    return undefined;
  }
}

/**
 * Whichever of the routes above the request has: what a server-level entry reads, since it
 * cannot know which framework serves the request.
 */
export function anyRoute(req: IncomingMessage, framework?: unknown): string | undefined {
  return (
    expressRoute(req) ??
    fastifyRoute(req, framework) ??
    koaRoute(req, framework) ??
    honoRoute(req, framework)
  );
}
