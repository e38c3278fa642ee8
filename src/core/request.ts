import type { IncomingMessage, ServerResponse } from 'node:http';
import { contextFromRequest } from './context.js';
import { boundContext } from './emitters.js';
import type { InternalContext, RequestFacts, RequestObserver } from './model.js';
import { state } from './state.js';
import { kFacts, kFrameworkRequest } from './symbols.js';

/** What an adapter knows how to tell the core. */
export interface ScopeOptions {
  /**
   * The matched route pattern, read lazily (frameworks route after the middleware runs),
   * from the raw request and the framework's own request object given to `enter`.
   */
  routeOf?: (req: IncomingMessage, framework?: unknown) => string | undefined;
  /** Per-middleware observers, in addition to the global ones. */
  observers?: readonly RequestObserver[];
  /** Which errors the adapter forwards; kept on the request for capture points without a rule. */
  shouldForward?: RequestFacts['shouldForward'];
}

type WithFacts = InternalContext & { [kFacts]?: RequestFacts };

/** The context of the request `req` when it is the current one, or was bound to it. */
export function contextOf(req: IncomingMessage): InternalContext | undefined {
  const store = state.als.getStore();
  if (store !== undefined && (store as WithFacts)[kFacts]?.req === req) return store;
  return boundContext(req);
}

/** Whether `scope`'s own observers already ran for the request of `facts`; notes them if not. */
function firstVisit(facts: RequestFacts, scope: object): boolean {
  if (facts.scope === scope) return false;
  if (facts.scope === undefined) {
    facts.scope = scope;
    return true;
  }
  if (facts.otherScopes === undefined) facts.otherScopes = [scope];
  else if (facts.otherScopes.includes(scope)) return false;
  else facts.otherScopes.push(scope);
  return true;
}

function observe<T>(
  observers: readonly RequestObserver[],
  context: InternalContext,
  facts: RequestFacts,
  next: () => T,
): T {
  for (const observer of observers) observer(context, facts);
  return next();
}

function observeAll<T>(
  observers: readonly RequestObserver[],
  context: InternalContext,
  facts: RequestFacts,
  next: () => T,
): T {
  for (const observer of state.observers) observer(context, facts);
  return observe(observers, context, facts, next);
}

/**
 * Builds the function an adapter calls once per request: it runs `prepare` (which makes
 * sure the library is set up), enters the request's context and calls `next` inside it.
 * A second call for the same request (nested mounts, Nest on Express) reuses the context.
 * Nothing is stored on `req`: a second call happens inside the first one's context.
 */
export function requestScope(options: ScopeOptions, prepare: () => void) {
  const observers = options.observers ?? [];
  const routeOf = options.routeOf;
  const shouldForward = options.shouldForward;
  // This scope's identity on the request's facts, so its observers run once per request.
  const self = {};
  return function enter<T>(
    req: IncomingMessage,
    res: ServerResponse,
    next: () => T,
    framework?: unknown,
  ): T {
    prepare();
    const entered = contextOf(req);
    if (entered !== undefined) {
      // A second mount (a router after an app-level middleware) still logs its own line.
      const facts = (entered as WithFacts)[kFacts]!;
      // An outer entry (a server-level one) knew less: the framework fills in what it knows.
      if (framework !== undefined && facts.framework === undefined) facts.framework = framework;
      if (shouldForward !== undefined && facts.shouldForward === undefined)
        facts.shouldForward = shouldForward;
      const own = observers.length > 0 && firstVisit(facts, self);
      if (state.als.getStore() === entered)
        return own ? observe(observers, entered, facts, next) : next();
      return own
        ? state.als.run(entered, observe, observers, entered, facts, next)
        : state.als.run(entered, next);
    }

    const url = (req as { originalUrl?: string }).originalUrl ?? req.url;
    const context = contextFromRequest(req.headers, req.method, url);
    const facts: RequestFacts = {
      req,
      res,
      routeOf,
      framework,
      shouldForward,
      error: undefined,
      scope: observers.length > 0 ? self : undefined,
      otherScopes: undefined,
    };
    (context as WithFacts)[kFacts] = facts;
    if (state.observers.length === 0 && observers.length === 0) return state.als.run(context, next);
    return state.als.run(context, observeAll, observers, context, facts, next);
  };
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
    return facts.routeOf(facts.req, facts.framework);
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
