import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  Inject,
  Injectable,
  type NestMiddleware,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { adapterScope, expressRoute, fastifyRoute } from '../../src/index.js';
import { observeExceptionsOf } from './exceptions.js';
import { REPLAYLINK_OPTIONS, type ReplayLinkModuleOptions } from './tokens.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;
const kWrapped: unique symbol = Symbol.for('replaylink.nestjs.wrapped');

/** The route pattern Nest's platform matched. */
function nestRoute(req: IncomingMessage): string | undefined {
  return expressRoute(req) ?? fastifyRoute(req);
}

/**
 * Enters each request's context around the HTTP server's own request listener, so that
 * everything Nest and its platform do for the request runs inside it: Express or Fastify,
 * body parsers, every middleware, guards, interceptors, pipes, handlers and filters.
 * A Nest middleware alone would come too late: Nest 10 runs the root module's middleware
 * before a global module's. The module adds one as well (see `ReplayLinkMiddleware`) for
 * apps whose platform is served by another server (serverless handlers); for a request
 * already entered it only reuses the context.
 */
@Injectable()
export class ReplayLinkPlatform implements OnApplicationBootstrap {
  readonly #scope: ReturnType<typeof adapterScope>;

  constructor(
    @Inject(REPLAYLINK_OPTIONS) options: ReplayLinkModuleOptions | undefined,
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
  ) {
    // Options are checked here, while Nest creates the app.
    this.#scope = adapterScope(options, nestRoute);
  }

  /** Enters `req`'s context around `next` and has its exceptions observed. */
  enter(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    observeExceptionsOf(req, this.#scope.options.shouldForward);
    this.#scope.enter(req, res, next);
  }

  // Nest has created the HTTP server by now, and listens only after this hook.
  onApplicationBootstrap(): void {
    const server = this.host.httpAdapter?.getHttpServer() as Server | undefined;
    if (server === undefined) return; // an application context without HTTP
    const enter = this.enter.bind(this);
    for (const listener of server.listeners('request') as Array<Listener & { [kWrapped]?: true }>) {
      if (listener[kWrapped]) continue;
      const wrapped = Object.assign(
        function replaylink(this: Server, req: IncomingMessage, res: ServerResponse) {
          enter(req, res, () => listener.call(this, req, res));
        },
        { [kWrapped]: true as const },
      );
      server.removeListener('request', listener);
      server.on('request', wrapped);
    }
  }
}

/** The same entry as a Nest middleware, for every route (see {@link ReplayLinkPlatform}). */
@Injectable()
export class ReplayLinkMiddleware implements NestMiddleware {
  constructor(@Inject(ReplayLinkPlatform) private readonly platform: ReplayLinkPlatform) {}

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    this.platform.enter(req, res, next);
  }
}
