import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { adapterScope, frameworkRequestOf } from '../../src/index.js';
import { observeExceptionsOf } from './exceptions.js';
import { REPLAYLINK_OPTIONS, type ReplayLinkModuleOptions } from './tokens.js';

type ExpressRequest = IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };

/** The route pattern Nest's platform matched: Express's `req.route`, Fastify's routeOptions. */
function nestRoute(req: IncomingMessage): string | undefined {
  const { route, baseUrl } = req as ExpressRequest;
  if (typeof route?.path === 'string') return `${baseUrl ?? ''}${route.path}`;
  const url = frameworkRequestOf<{ routeOptions?: { url?: unknown } }>(req)?.routeOptions?.url;
  return typeof url === 'string' ? url : undefined;
}

/** Enters the request's context for guards, interceptors, pipes, handlers and filters. */
@Injectable()
export class ReplayLinkMiddleware implements NestMiddleware {
  readonly #enter: ReturnType<typeof adapterScope>['enter'];
  readonly #options: ReturnType<typeof adapterScope>['options'];

  constructor(@Inject(REPLAYLINK_OPTIONS) options: ReplayLinkModuleOptions | undefined) {
    const { enter, options: adapter } = adapterScope(options ?? undefined, nestRoute);
    this.#enter = enter;
    this.#options = adapter;
  }

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    observeExceptionsOf(req, this.#options.shouldForward);
    this.#enter(req, res, next);
  }
}
