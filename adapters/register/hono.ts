import type { IncomingMessage } from 'node:http';
import { attachFrameworkRequest, captureRequestError } from '../../src/index.js';

type ErrorHandler = (this: unknown, error: unknown, c: HonoContext) => unknown;
type HonoContext = { env?: { incoming?: unknown } };
type HonoApp = { errorHandler?: ErrorHandler };
type HonoClass = new (...args: unknown[]) => HonoApp;

const kObserved = Symbol.for('replaylink.register.hono');
/** Each error handler's observing wrapper, and each wrapper's handler. */
const wrappers = new WeakMap<ErrorHandler, ErrorHandler>();
const originals = new WeakMap<ErrorHandler, ErrorHandler>();
/** The handlers apps start with (Hono's default one): `route()` compares against it. */
const defaults = new WeakSet<ErrorHandler>();

/**
 * The raw request of a Hono context on `@hono/node-server`, which passes
 * `{ incoming, outgoing }` as the app's env.
 */
function incomingOf(c: HonoContext): IncomingMessage | undefined {
  const incoming = c?.env?.incoming as IncomingMessage | undefined;
  return typeof incoming?.headers === 'object' ? incoming : undefined;
}

/** `handler`, made to capture the error (with the context, for the route) before it runs. */
function observed(handler: ErrorHandler): ErrorHandler {
  let wrapper = wrappers.get(handler);
  if (wrapper === undefined) {
    wrapper = function (this: unknown, error: unknown, c: HonoContext) {
      try {
        const req = incomingOf(c);
        if (req !== undefined) {
          attachFrameworkRequest(req, c);
          captureRequestError(error, req);
        }
      } catch {
        // Observing must never change how Hono answers.
      }
      // biome-ignore lint/complexity/noArguments: Hono's arguments, passed on as they came.
      return Reflect.apply(handler, this, arguments);
    };
    wrappers.set(handler, wrapper);
    originals.set(wrapper, handler);
  }
  return wrapper;
}

/**
 * Makes the app's error handler (Hono's default one, or the one `onError` sets later)
 * observed: every error a handler or middleware throws reaches it, in the request's
 * context, with the Hono context that knows the route.
 */
function observeErrors(app: HonoApp): void {
  let handler: ErrorHandler | undefined = app.errorHandler;
  if (typeof handler !== 'function') return;
  defaults.add(handler);
  Object.defineProperty(app, 'errorHandler', {
    configurable: true,
    enumerable: true,
    get: () => (typeof handler === 'function' ? observed(handler) : handler),
    set(value: ErrorHandler) {
      handler = typeof value === 'function' ? (originals.get(value) ?? value) : value;
    },
  });
}

/**
 * Hono 4: `Hono` replaced by a subclass whose instances have their error handler observed.
 * `route(path, subApp)` tells a sub-app with the default handler by comparing it with
 * Hono's own; during that call a sub-app shows its unwrapped default, so its errors still
 * go to the parent's handler (observed there) as without replaylink.
 */
export function observeHono(exports: Record<string, unknown>): void {
  try {
    const Original = exports.Hono as (HonoClass & { [kObserved]?: true }) | undefined;
    if (typeof Original !== 'function' || Original[kObserved]) return;
    if (typeof (Original as { prototype?: { route?: unknown } }).prototype?.route !== 'function')
      return;
    exports.Hono = observedClass(Original);
  } catch {
    // A Hono shaped unlike the releases we know is left alone.
  }
}

function observedClass(Original: HonoClass): HonoClass {
  const Base = Original as HonoClass & { prototype: { route: (...args: unknown[]) => unknown } };
  class Hono extends Base {
    static readonly [kObserved] = true;
    constructor(...args: unknown[]) {
      super(...args);
      observeErrors(this);
    }
    route(this: HonoApp, ...args: unknown[]): unknown {
      const sub = args[1] as HonoApp;
      // A WeakMap answers `undefined` for any key that is not one of its objects.
      const original = originals.get(sub?.errorHandler as ErrorHandler);
      const route = Base.prototype.route;
      if (original === undefined || !defaults.has(original))
        return Reflect.apply(route, this, args);
      const own = Object.getOwnPropertyDescriptor(sub, 'errorHandler');
      Object.defineProperty(sub, 'errorHandler', {
        configurable: true,
        writable: true,
        value: original,
      });
      try {
        return Reflect.apply(route, this, args);
      } finally {
        if (own === undefined) delete sub.errorHandler;
        else Object.defineProperty(sub, 'errorHandler', own);
      }
    }
  }
  Object.defineProperty(Hono, 'name', { value: Original.name });
  return Hono;
}
