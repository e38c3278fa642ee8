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
