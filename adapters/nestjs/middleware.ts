import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { adapterScope, expressRoute, fastifyRoute } from '../../src/index.js';
import { observeExceptionsOf } from './exceptions.js';
import { REPLAYLINK_OPTIONS, type ReplayLinkModuleOptions } from './tokens.js';

/** The route pattern Nest's platform matched. */
function nestRoute(req: IncomingMessage): string | undefined {
  return expressRoute(req) ?? fastifyRoute(req);
}

/** Enters the request's context for guards, interceptors, pipes, handlers and filters. */
@Injectable()
export class ReplayLinkMiddleware implements NestMiddleware {
  readonly #enter: ReturnType<typeof adapterScope>['enter'];
  readonly #options: ReturnType<typeof adapterScope>['options'];

  constructor(@Inject(REPLAYLINK_OPTIONS) options: ReplayLinkModuleOptions | undefined) {
    const { enter, options: adapter } = adapterScope(options, nestRoute);
    this.#enter = enter;
    this.#options = adapter;
  }

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    observeExceptionsOf(req, this.#options.shouldForward);
    this.#enter(req, res, next);
  }
}
