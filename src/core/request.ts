import type { IncomingMessage, ServerResponse } from 'node:http';
import { contextFromRequest } from './context.js';
import { bindRequest, boundContext } from './emitters.js';
import type { InternalContext, RequestFacts, RequestObserver } from './model.js';
import { state } from './state.js';
import { kFacts, kFrameworkRequest } from './symbols.js';

/** What an adapter knows how to tell the core. */
export interface ScopeOptions {
  /** The matched route pattern, read lazily (frameworks route after the middleware runs). */
  routeOf?: (req: IncomingMessage) => string | undefined;
  /** Per-middleware observers, in addition to the global ones. */
  observers?: readonly RequestObserver[];
}

type WithFacts = InternalContext & { [kFacts]?: RequestFacts };

/**
 * Builds the function an adapter calls once per request: it runs `prepare` (which makes
 * sure the library is set up), enters the request's context and calls `next` inside it.
 * A second call for the same request (nested mounts, Nest on Express) reuses the context.
 */
export function requestScope(options: ScopeOptions, prepare: () => void) {
  const observers = options.observers ?? [];
  const routeOf = options.routeOf;
  // This scope's identity on the request's facts, so its observers run once per request.
  const self = {};
  return function enter<T>(req: IncomingMessage, res: ServerResponse, next: () => T): T {
    prepare();
    let context = boundContext(req);
    if (context !== undefined) {
      // A second mount (a router after an app-level middleware) still logs its own line.
      const facts = (context as WithFacts)[kFacts];
      const own =
        observers.length > 0 && facts !== undefined && !facts.scopes?.includes(self)
          ? facts
          : undefined;
      if (own === undefined)
        return state.als.getStore() === context ? next() : state.als.run(context, next);
      if (own.scopes === undefined) own.scopes = [self];
      else own.scopes.push(self);
      const entered = context;
      return state.als.run(entered, () => {
        for (const observe of observers) observe(entered, own);
        return next();
      });
    }

    const url = (req as { originalUrl?: string }).originalUrl ?? req.url;
    context = contextFromRequest(req.headers, req.method, url);
    const facts: RequestFacts = {
      req,
      res,
      routeOf,
      error: undefined,
      scopes: observers.length > 0 ? [self] : undefined,
    };
    (context as WithFacts)[kFacts] = facts;
    bindRequest(req, res, context);
    if (state.observers.length === 0 && observers.length === 0) return state.als.run(context, next);
    const entered = context;
    return state.als.run(entered, () => {
      for (const observe of state.observers) observe(entered, facts);
      for (const observe of observers) observe(entered, facts);
      return next();
    });
  };
}

/** The context a request was given, if any. */
export function contextOf(req: IncomingMessage): InternalContext | undefined {
  return boundContext(req);
}

/** The request facts behind a context, when it is an HTTP request's. */
export function factsOf(context: InternalContext | undefined): RequestFacts | undefined {
  return (context as WithFacts | undefined)?.[kFacts];
}

/** The matched route pattern of a request context, if the framework matched one. */
export function routeOf(context: InternalContext | undefined): string | undefined {
  const facts = factsOf(context);
  if (facts?.routeOf === undefined) return undefined;
  try {
    return facts.routeOf(facts.req);
  } catch {
    return undefined;
  }
}

/** Records the error that ended the request (first one wins), for access logs and metadata. */
export function noteError(context: InternalContext | undefined, error: unknown): void {
  const facts = factsOf(context);
  if (facts !== undefined && facts.error === undefined) facts.error = error;
}

type WithFramework = IncomingMessage & { [kFrameworkRequest]?: unknown };

/**
 * Keeps a framework's own request object (Koa `ctx`, Fastify request) on the raw
 * request, so the adapter's `routeOf`, which receives the raw request, can reach it.
 */
export function attachFrameworkRequest(req: IncomingMessage, value: unknown): void {
  (req as WithFramework)[kFrameworkRequest] = value;
}

/** The object given to {@link attachFrameworkRequest} for `req`, if any. */
export function frameworkRequestOf<T>(req: IncomingMessage): T | undefined {
  return (req as WithFramework)[kFrameworkRequest] as T | undefined;
}
