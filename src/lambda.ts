import { performance } from 'node:perf_hooks';
import type { AccessLog, AccessRecord, EventType } from './access-log/index.js';
import { type AdapterEntryOptions, adapterSetup } from './adapter.js';
import { ensureInit } from './client.js';
import { contextFromRequest } from './core/context.js';
import { warnOnce } from './core/diagnostics.js';
import { invalidOption } from './core/errors.js';
import type { InternalContext } from './core/model.js';
import type { CoreOptions } from './core/options.js';
import { state } from './core/state.js';
import { optionsFromEnvironment } from './env.js';
import { drain, forwardException } from './forward/forward.js';
import { forwardState } from './forward/state.js';
import { storedHeaders } from './lambda/connections.js';
import {
  type IdSources,
  idHeaders,
  isHttp,
  type LambdaRequest,
  recognise,
} from './lambda/event.js';
import { HANDLER_ENV, loadLambdaHandler } from './lambda/load.js';
import {
  idSources,
  LAMBDA_OPTION_KEYS,
  type LambdaOwnOptions,
  type ResolvedLambdaOptions,
  requestIdHeader,
  resolveLambdaOptions,
} from './lambda/options.js';
import { logHandlerError } from './lambda/report.js';

/** The part of Lambda's `context` object replaylink reads. */
export interface LambdaContextLike {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

/** Options of {@link lambdaHandler}: Lambda options, adapter options and `init` options. */
export type LambdaOptions = AdapterEntryOptions & LambdaOwnOptions;

/** An async Lambda handler, as the Node.js runtime calls it. */
export type LambdaHandler<
  E = unknown,
  C extends LambdaContextLike = LambdaContextLike,
  R = unknown,
> = (event: E, context: C) => R | Promise<R>;

function split(options: LambdaOptions | undefined): {
  own: Record<string, unknown>;
  rest: AdapterEntryOptions;
} {
  const own: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    if ((LAMBDA_OPTION_KEYS as readonly string[]).includes(key)) own[key] = value;
    else rest[key] = value;
  }
  return { own, rest: rest as AdapterEntryOptions };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Everything one wrapped handler keeps between invocations. */
class Invoker {
  #core: CoreOptions | undefined;
  #sources: IdSources | undefined;

  constructor(
    readonly options: ResolvedLambdaOptions,
    readonly accessLog: AccessLog | undefined,
  ) {}

  sources(): IdSources {
    // Header names may change with a later init(): recomputed only then.
    if (this.#core !== state.options) {
      this.#core = state.options;
      this.#sources = idSources(this.options);
    }
    return this.#sources!;
  }

  /** The id headers of an invocation, the request id from API Gateway or Lambda by default. */
  headersFor(request: LambdaRequest, lambda: LambdaContextLike | undefined) {
    const headers = idHeaders(request, this.sources());
    const name = requestIdHeader();
    if (headers[name] === undefined) {
      const fallback = text(request.requestContext?.requestId) ?? text(lambda?.awsRequestId);
      if (fallback !== undefined) headers[name] = fallback;
    }
    return headers;
  }

  /** The invocation's context: the ids its event carries. */
  contextFor(request: LambdaRequest, lambda: LambdaContextLike | undefined): InternalContext {
    return contextFromRequest(this.headersFor(request, lambda), request.method, request.path);
  }

  /**
   * A WebSocket invocation's context: `$connect` keeps its ids for the connection; a
   * `MESSAGE` or `$disconnect` without ids of its own runs with them.
   */
  async websocketContext(
    request: LambdaRequest,
    lambda: LambdaContextLike | undefined,
  ): Promise<InternalContext> {
    const store = this.options.connections!;
    const connectionId = text(request.requestContext?.connectionId);
    // API Gateway's ids are short; anything else is not worth a store key.
    if (connectionId === undefined || connectionId.length > 256)
      return this.contextFor(request, lambda);
    const headers = this.headersFor(request, lambda);
    const names = state.options.headers;
    const kept = [names.sessionToken, names.recordingId, names.sessionId];
    if (request.method === 'CONNECT') {
      const context = contextFromRequest(headers, request.method, request.path);
      const ids: Record<string, string> = {};
      if (context.sessionToken !== undefined) ids[names.sessionToken] = context.sessionToken;
      if (context.recordingId !== undefined) ids[names.recordingId] = context.recordingId;
      if (context.sessionId !== undefined) ids[names.sessionId] = context.sessionId;
      if (Object.keys(ids).length > 0)
        await guarded(() => store.set(connectionId, ids, this.options.connectionTtlMs));
      return context;
    }
    if (kept.every((name) => headers[name] === undefined)) {
      const stored = storedHeaders(await guarded(() => store.get(connectionId)));
      for (const name of kept) if (stored[name] !== undefined) headers[name] = stored[name];
    }
    if (request.method === 'DISCONNECT') await guarded(() => store.delete(connectionId));
    return contextFromRequest(headers, request.method, request.path);
  }

  /** What remains of the invocation for delivering events, margin kept. */
  budget(lambda: LambdaContextLike | undefined): number {
    const cap = forwardState().options.shutdownTimeoutMs;
    let remaining: unknown;
    try {
      remaining = lambda?.getRemainingTimeInMillis?.();
    } catch {
      remaining = undefined;
    }
    if (typeof remaining !== 'number' || !Number.isFinite(remaining)) return cap;
    return Math.min(cap, Math.floor(remaining) - this.options.flushMarginMs);
  }
}

const STORE_WAIT_MS = 1000;

/** A connection store call, bounded in time; a failure is reported once and ignored. */
async function guarded<T>(call: () => Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      call(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer within 1 s')), STORE_WAIT_MS);
      }),
    ]);
  } catch (error) {
    warnOnce(
      'connectionStore',
      `the WebSocket connection store failed (${error instanceof Error ? error.message : typeof error}); ` +
        'MESSAGE and $disconnect invocations run without the ids of their $connect',
    );
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

function safeRecognise(event: unknown): LambdaRequest {
  try {
    return recognise(event);
  } catch {
    return recognise(undefined);
  }
}

function statusOf(request: LambdaRequest, result: unknown, failed: boolean): number | undefined {
  if (request.kind !== 'websocket' && !isHttp(request.kind)) return undefined;
  // API Gateway answers a failed Lambda integration with 502.
  if (failed) return 502;
  const code = (result as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof code === 'number' ? code : 200;
}

function lengthOf(result: unknown): number | undefined {
  const body = (result as { body?: unknown } | null | undefined)?.body;
  return typeof body === 'string' ? Buffer.byteLength(body) : undefined;
}

/** One access line per invocation, its `$context` values read from the event first. */
function writeAccessLine(
  log: AccessLog,
  request: LambdaRequest,
  context: InternalContext,
  outcome: { result: unknown; error: unknown; failed: boolean; ms: number },
): void {
  const rc = request.requestContext;
  const eventType: EventType =
    request.kind === 'websocket' ? (request.method as EventType) : 'REQUEST';
  const record: AccessRecord = {
    eventType,
    context,
    req: undefined,
    event: rc,
    sourceIp: undefined,
    requestId: undefined,
    routeKey: () => `${context.method} ${context.path}`,
    status: statusOf(request, outcome.result, outcome.failed),
    error: outcome.failed ? outcome.error : undefined,
    integrationLatency: outcome.ms,
    responseLatency: outcome.ms,
    responseLength: lengthOf(outcome.result),
    connectionId: undefined,
    connectedAt: undefined,
    messageId: undefined,
  };
  log.write(record);
}

async function invoke<R>(
  call: () => R | Promise<R>,
  invoker: Invoker,
  lambda: LambdaContextLike | undefined,
  context: InternalContext,
  request: LambdaRequest,
): Promise<R> {
  const started = invoker.accessLog === undefined ? 0 : performance.now();
  let result: unknown;
  let error: unknown;
  let failed = false;
  try {
    result = await call();
    return result as R;
  } catch (thrown) {
    failed = true;
    error = thrown;
    if (invoker.options.logErrors) logHandlerError(thrown);
    forwardException(thrown, context);
    throw thrown;
  } finally {
    if (invoker.accessLog !== undefined)
      writeAccessLine(invoker.accessLog, request, context, {
        result,
        error,
        failed,
        ms: Math.round(performance.now() - started),
      });
    // Lambda freezes the process as soon as the returned promise settles.
    await drain(invoker.budget(lambda));
  }
}

/**
 * Wraps an async AWS Lambda handler so that each invocation runs in the context of the
 * ids its event carries: API Gateway REST (v1) and HTTP (v2) APIs, WebSocket APIs (the
 * ids of `$connect` may come in the query string), ALB, function URLs, and SQS / SNS
 * messages whose attributes hold a `carrier()`. Console calls made meanwhile carry the
 * tag in their CloudWatch record; an error the handler throws is logged once with the tag,
 * forwarded, and rethrown unchanged; and the events captured during the invocation are
 * delivered before the returned promise settles (Lambda freezes the process then).
 * Wrap a framework's handler (`serverless-http`, `@codegenie/serverless-express`) the
 * same way; keep the framework's replaylink middleware mounted.
 *
 * @example
 * import { lambdaHandler } from 'replaylink/lambda';
 * export const handler = lambdaHandler(async (event) => {
 *   console.log('order created');
 *   return { statusCode: 201, body: '{}' };
 * });
 */
export function lambdaHandler<
  E = unknown,
  C extends LambdaContextLike = LambdaContextLike,
  R = unknown,
>(handler: LambdaHandler<E, C, R>, options?: LambdaOptions): (event: E, context: C) => Promise<R> {
  if (typeof handler !== 'function')
    throw new TypeError('replaylink: lambdaHandler(handler) expects the handler function');
  const { own, rest } = split(options);
  const resolved = resolveLambdaOptions(own);
  const invoker = new Invoker(resolved, adapterSetup(rest).accessLog);
  const marks = handler as unknown as Record<symbol, unknown>;
  if (marks[STREAMING] !== undefined) {
    // awslambda.streamifyResponse(fn): called with (event, responseStream, context).
    const streaming = handler as unknown as (event: E, stream: unknown, context: C) => R;
    const wrapped = function replaylinkLambdaStream(event: E, stream: unknown, lambda: C) {
      return enter(invoker, event, lambda, () => streaming(event, stream, lambda));
    } as unknown as Record<symbol, unknown>;
    wrapped[STREAMING] = marks[STREAMING];
    if (marks[HIGH_WATER_MARK] !== undefined) wrapped[HIGH_WATER_MARK] = marks[HIGH_WATER_MARK];
    return wrapped as unknown as (event: E, context: C) => Promise<R>;
  }
  return function replaylinkLambda(event: E, lambda: C): Promise<R> {
    return enter(invoker, event, lambda, () => handler(event, lambda));
  };
}

// How the Node.js runtime marks a response-streaming handler (awslambda.streamifyResponse).
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');

/** Runs one invocation's `call` in the context its event carries. */
function enter<R>(
  invoker: Invoker,
  event: unknown,
  lambda: LambdaContextLike | undefined,
  call: () => R | Promise<R>,
): Promise<R> {
  ensureInit();
  const request = safeRecognise(event);
  if (request.kind === 'websocket' && invoker.options.connections !== undefined)
    return invoker
      .websocketContext(request, lambda)
      .then((context) =>
        state.als.run(context, invoke<R>, call, invoker, lambda, context, request),
      );
  const context = invoker.contextFor(request, lambda);
  return state.als.run(context, invoke<R>, call, invoker, lambda, context, request);
}

/** Options of {@link lambdaMiddleware}. */
export interface LambdaMiddlewareOptions {
  /** Log an error a middy handler raised once, with the tag. Default `true`. */
  logErrors?: boolean;
}

/** The part of middy's request object the middleware reads. */
export interface MiddyRequest {
  error?: unknown;
}

/** A middy middleware object, as `.use()` takes it. */
export interface LambdaMiddleware {
  before(): void;
  onError(request: MiddyRequest): void;
}

/**
 * The middy middleware behind `replaylink/middy`: its `onError` logs (once, tagged) and
 * forwards the error of the invocation before an error handler later in the chain turns
 * it into a response. The context itself comes from `lambdaHandler`, which must wrap the
 * middy handler: a middleware runs in steps and cannot enter a context around the others.
 */
export function lambdaMiddleware(options: LambdaMiddlewareOptions = {}): LambdaMiddleware {
  const logErrors = options.logErrors ?? true;
  if (typeof logErrors !== 'boolean') throw invalidOption('logErrors', logErrors, 'true or false');
  return {
    before(): void {
      if (state.als.getStore() !== undefined) return;
      warnOnce(
        'middyUnwrapped',
        'replaylink/middy: the middy handler runs outside lambdaHandler, so its lines carry no ' +
          'ids; export lambdaHandler(middy(fn).use(replaylink())) instead',
      );
    },
    onError(request: MiddyRequest): void {
      const context = state.als.getStore();
      if (logErrors) logHandlerError(request.error);
      forwardException(request.error, context);
    },
  };
}

/**
 * A handler that wraps, with {@link lambdaHandler}, the one named by the
 * `REPLAYLINK_LAMBDA_HANDLER` environment variable: set the function's handler to
 * `node_modules/replaylink/dist/adapters/lambda.handler` and that variable to the handler
 * it had (`index.handler`), and no code changes. The handler is loaded at the first
 * invocation; options come from the `REPLAYLINK_*` variables, as for `replaylink/register`
 * (docs/register.md), and `options` given here win over them.
 *
 * @example
 * // REPLAYLINK_LAMBDA_HANDLER=index.handler
 * export const handler = lambdaHandlerFromEnv();
 */
export function lambdaHandlerFromEnv(
  options?: LambdaOptions,
): (event: unknown, context: LambdaContextLike) => Promise<unknown> {
  let wrapped:
    | Promise<(event: unknown, context: LambdaContextLike) => Promise<unknown>>
    | undefined;
  return (event, context) => {
    wrapped ??= (async () => {
      const spec = process.env[HANDLER_ENV];
      if (spec === undefined || spec === '')
        throw new Error(
          `replaylink: set ${HANDLER_ENV} to the function's own handler, e.g. index.handler`,
        );
      // The same REPLAYLINK_* variables as replaylink/register; options given in code win.
      const fromEnv = optionsFromEnvironment();
      const merged: LambdaOptions = {
        ...fromEnv.options,
        ...(fromEnv.accessLog && { accessLog: fromEnv.accessLog }),
        ...options,
      };
      return lambdaHandler((await loadLambdaHandler(spec)) as LambdaHandler, merged);
    })();
    return wrapped.then((handler) => handler(event, context));
  };
}
