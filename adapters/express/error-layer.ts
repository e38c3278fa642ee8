import type { IncomingMessage, ServerResponse } from 'node:http';
import { captureRequestError, type ShouldForward } from '../../src/index.js';

type Next = (err?: unknown) => void;

/** The part of an Express 4/5 application used to append the last error layer. */
export interface ExpressApp {
  use(
    handler: (err: unknown, req: IncomingMessage, res: ServerResponse, next: Next) => void,
  ): unknown;
  /** The error layer appended to this application, once one was. */
  [kLastErrorLayer]?: Appended;
  /** Express 4's router; its `router` getter throws. */
  _router?: { stack?: unknown };
  /** Express 5's router. */
  router?: { stack?: unknown };
}

type ErrorLayer = ReturnType<typeof lastErrorLayer>;
type Stack = ReadonlyArray<{ handle?: unknown } | undefined>;

/** The layer appended to an application, and its router's stack (kept: it is never replaced). */
interface Appended {
  readonly handle: ErrorLayer;
  /** `undefined` when the stack cannot be read: the layer is then appended once. */
  readonly stack: Stack | undefined;
}

const kLastErrorLayer = Symbol.for('replaylink.express.lastErrorLayer');

/**
 * The error layer appended to the application, after everything registered before its
 * first request: an error no handler answered is noted (for `$context.error.*`) and
 * forwarded once before Express's final handler answers it, even without
 * {@link expressErrorHandler}.
 */
export function lastErrorLayer(shouldForward: ShouldForward | undefined) {
  return function replaylinkLastErrors(
    err: unknown,
    req: IncomingMessage,
    _res: ServerResponse,
    next: Next,
  ) {
    captureRequestError(err, req, shouldForward);
    next(err);
  };
}

/** The router's layers: Express 4 keeps its router in `_router` (its `router` getter throws). */
function stackOf(app: ExpressApp): Stack | undefined {
  const stack = (Object.hasOwn(app, '_router') ? app._router : app.router)?.stack;
  return Array.isArray(stack) ? stack : undefined;
}

/**
 * Keeps the error layer last in the application: appended at the first request, and
 * again when routes were added since (an app that mounts routes after it listens). An
 * earlier copy left in the middle is harmless: an error is forwarded once.
 * Express routes the stack as a live array: a layer appended now also serves this request.
 */
export function keepLastErrorLayer(app: ExpressApp | undefined, layer: ErrorLayer) {
  if (app === undefined) return;
  const appended = app[kLastErrorLayer];
  if (appended !== undefined) {
    const { stack } = appended;
    if (stack === undefined || stack[stack.length - 1]?.handle === appended.handle) return;
  } else if (typeof app.use !== 'function') return;
  const handle = appended?.handle ?? layer;
  let stack: Stack | undefined;
  try {
    app.use(handle);
    stack = stackOf(app);
  } catch {
    // Not an Express application after all: leave it alone from now on.
  }
  app[kLastErrorLayer] = { handle, stack };
}
