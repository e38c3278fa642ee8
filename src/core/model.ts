import type { IncomingMessage, ServerResponse } from 'node:http';
import type { kFacts, kPrefix, kTags, kView } from './symbols.js';

// The shapes the core passes around, in a module of their own so that every other
// module can name them without importing the code that builds them.

/** What replaylink knows about the current request. */
export interface RequestContext {
  /** OpenReplay session token, when the request carried a valid one. */
  readonly sessionToken?: string;
  /** BugReplay recording id, when the request carried a valid one. */
  readonly recordingId?: string;
  /** OpenReplay's numeric session id, when the request carried a valid one. */
  readonly sessionId?: string;
  /** A valid incoming request id, or a fresh UUID. */
  readonly requestId: string;
  readonly method: string;
  /** Request path without the query string. */
  readonly path: string;
  /** Unix milliseconds when the context was entered. */
  readonly startedAt: number;
}

/** A context's ids as structured loggers write them, computed once per context. */
export interface ContextTags {
  /** `[openReplaySessionToken=…] [openReplaySession.id=…] ` with its trailing space; empty when no id is tagged. */
  readonly text: string;
  /** The same ids keyed by tag name, e.g. `{ openReplaySessionToken: '…' }`. Frozen. */
  readonly fields: Readonly<Record<string, string>>;
}

/** Facts about an HTTP request that become known while it runs. */
export interface RequestFacts {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Resolves the route pattern the framework matched (e.g. `/orders/:id`), if any. */
  routeOf: ((req: IncomingMessage, framework?: unknown) => string | undefined) | undefined;
  /** The framework's own request object (Koa `ctx`, Fastify request), given by the adapter. */
  framework?: unknown;
  /**
   * The rule of the adapter that entered the request (or reused its context), so a capture
   * point that has none of its own (`replaylink/register`'s hooks) follows the app's choice.
   */
  shouldForward?: ((error: unknown, req: IncomingMessage) => boolean) | undefined;
  /** The error that ended the request, set by the adapters' capture points. */
  error: unknown;
  /** The first scope (middleware) whose own observers ran for this request. */
  scope?: object | undefined;
  /** Further scopes whose own observers ran (a router mounted after an app middleware). */
  otherScopes?: object[] | undefined;
}

export interface InternalContext extends RequestContext {
  /** Precomputed `[tag=value] ` prefix; empty when nothing is stamped. */
  readonly [kPrefix]: string;
  /** Filled on first use by `tagsOf()`. */
  readonly [kTags]?: ContextTags;
  /** The HTTP request's facts, set when a request enters. */
  readonly [kFacts]?: RequestFacts | undefined;
  /** The plain, frozen object `getContext()` returns; made on first use. */
  readonly [kView]?: RequestContext | undefined;
}

/**
 * Called once when a request enters its context, inside it. Features that follow the
 * request (access log, live sessions) subscribe here and listen to `res` themselves.
 */
export type RequestObserver = (context: InternalContext, facts: RequestFacts) => void;

/** The JSON body of the fullstack send API (docs/forwarding.md, "What is sent"): what the forwarding
 * capability builds and the local receiver accepts. */
export interface ForwardEvent {
  uuid: string;
  type: 'log' | 'exception';
  payload: string;
  level: string;
  timestamp: number;
  metadata: string;
  title: string;
  origin: string;
}
