import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AdapterEntryOptions,
  adapterScope,
  captureRequestError,
  getContext,
  keepContext,
  koaRoute,
} from '../src/index.js';

/** Options of {@link koaMiddleware}: adapter options, plus `init` options when given. */
export type KoaMiddlewareOptions = AdapterEntryOptions;

/** The part of Koa's `ctx` the middleware uses (Koa 2 and 3 agree on it). */
export interface KoaContext {
  req: IncomingMessage;
  res: ServerResponse;
  state: Record<string, unknown>;
  body?: unknown;
  /** Set by @koa/router (`_matchedRoute`) and koa-router (`routerPath`). */
  _matchedRoute?: unknown;
  routerPath?: unknown;
}

type Next = () => Promise<unknown>;

/**
 * Koa 2/3 middleware that runs the rest of the request (downstream middleware, the
 * response body stream and `res.on('finish')`) in its replaylink context, exposes it as
 * `ctx.state.replaylink`, and forwards errors before rethrowing them unchanged, so Koa's
 * own error handling and `app.on('error')` see exactly what they saw before.
 *
 * @example
 * import Koa from 'koa';
 * import { koaMiddleware } from 'replaylink/koa';
 * const app = new Koa();
 * app.use(koaMiddleware());
 */
export function koaMiddleware(
  options?: KoaMiddlewareOptions,
): (ctx: KoaContext, next: Next) => Promise<void> {
  const { enter, options: adapter } = adapterScope(options, koaRoute);
  const { shouldForward } = adapter;
  return function replaylink(ctx, next) {
    // Promises, not an async function: under Node 20's promise hooks every promise an
    // async function adds costs a hook call; `then` handlers created here keep the context.
    return enter(
      ctx.req,
      ctx.res,
      () => {
        ctx.state.replaylink = getContext();
        return next().then(
          // Koa pipes a stream body after every middleware returned, outside the context.
          () => keepContext(ctx.body),
          (error: unknown) => {
            captureRequestError(error, ctx.req, shouldForward);
            throw error;
          },
        );
      },
      ctx,
    );
  };
}
