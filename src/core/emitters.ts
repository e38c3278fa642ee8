import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { http } from './builtins.js';
import type { InternalContext, RequestFacts } from './model.js';
import { state } from './state.js';
import { kContext, kFacts } from './symbols.js';

// Nothing is stored on a request or response when it enters: the context is put on the
// object (with its own `emit`) only when code inside the request listens to one of its
// events. A WeakMap would keep them apart, but its ephemeron entries cost the garbage
// collector more per request (measured: about 15 µs of CPU on an Express hello world).
type Bound = { [kContext]?: InternalContext; emit?: unknown };

// The events applications and body parsers listen to; internal ones ('prefinish',
// 'pipe', 'resume'…) pass straight through.
const BOUND_EVENTS = new Set<unknown>([
  'data',
  'end',
  'readable',
  'finish',
  'close',
  'error',
  'aborted',
  'drain',
  'timeout',
]);

type Emit = (this: Bound, type: unknown, ...args: unknown[]) => boolean;
type On = (this: Bound, type: unknown, listener: unknown) => unknown;

/** The context `target` was bound to. */
function contextOf(target: Bound): InternalContext | undefined {
  return target[kContext];
}

/** The current context when `target` is its request or response. */
function ownerContext(target: Bound): InternalContext | undefined {
  const store = state.als.getStore();
  const facts = (store as { [kFacts]?: RequestFacts } | undefined)?.[kFacts];
  if (facts === undefined) return undefined;
  return facts.req === (target as unknown) || facts.res === (target as unknown) ? store : undefined;
}

/** Node's own listener, added from `resOnFinish` inside the request; it needs no context. */
function isNodeInternal(type: unknown, listener: unknown): boolean {
  // The type first: reading a function's name costs more than the whole check otherwise.
  return type === 'end' && typeof listener === 'function' && listener.name === 'clearIncoming';
}

/**
 * An `emit` that runs the listeners of bound events inside the object's context. Set
 * as an own property of a request or response only when a listener is added during
 * the request, so requests whose code listens to nothing pay nothing per event.
 */
function boundEmit(original: Emit): Emit {
  return function emit(this: Bound, type: unknown) {
    // biome-ignore lint/complexity/noArguments: forwarding `arguments` avoids an array per emit.
    const args = arguments;
    if (!BOUND_EVENTS.has(type)) return original.apply(this, args as never);
    const context = contextOf(this);
    if (context === undefined || state.als.getStore() === context)
      return original.apply(this, args as never);
    return state.als.run(context, Reflect.apply, original, this, args) as boolean;
  };
}

/**
 * Makes events of a request and its response run inside the request's context.
 * 'data', 'end', 'finish' and 'close' are emitted from the socket's async context,
 * which predates the request, so body parsers and `res.on('finish')` would lose it.
 * The prototypes' `on`/`addListener`/`prependListener` are patched once (no per-request
 * closures): the first listener of a bound event added inside the request's context
 * gives that object the context-keeping `emit`, which then runs all its listeners
 * there. `once` goes through `on`. Objects without a context, such as HTTP client
 * responses, and requests nobody listens to keep the original `emit`.
 */
export function installEmitterBinding(): () => void {
  const undo: Array<() => void> = [];
  for (const proto of [http.IncomingMessage.prototype, http.ServerResponse.prototype]) {
    const emit = boundEmit(proto.emit as Emit);
    for (const name of ['on', 'addListener', 'prependListener'] as const) {
      const had = Object.hasOwn(proto, name);
      const original = proto[name] as On;
      const on = function (this: Bound, type: unknown, listener: unknown) {
        // Only listeners added inside the request's own context; Node's `resOnFinish` is
        // added outside it, its `clearIncoming` is skipped by name.
        if (this.emit !== emit && BOUND_EVENTS.has(type) && !isNodeInternal(type, listener)) {
          const context = ownerContext(this);
          if (context !== undefined) {
            this[kContext] = context;
            this.emit = emit;
          }
        }
        return original.call(this, type, listener);
      };
      (proto as unknown as Record<string, unknown>)[name] = on;
      undo.push(() => {
        if ((proto as unknown as Record<string, unknown>)[name] !== on) return;
        if (had) (proto as unknown as Record<string, unknown>)[name] = original;
        else delete (proto as unknown as Record<string, unknown>)[name];
      });
    }
  }
  return () => {
    for (const restore of undo) restore();
  };
}

/** The context `req` (or its response) was bound to by a listener added inside it, if any. */
export function boundContext(target: object): InternalContext | undefined {
  return contextOf(target as Bound);
}

type Pulled = { _read?: (...args: unknown[]) => unknown; pipe?: unknown };

/**
 * Makes a readable body that a framework consumes after the handler returned (Koa pipes
 * `ctx.body` from outside every middleware) pull its data inside the current request's
 * context, so timers and callbacks started by its `_read` keep it. Anything that is not
 * a stream, or a call outside a request, is left alone.
 */
export function keepContext(body: unknown): void {
  const context = state.als.getStore();
  if (context === undefined || typeof body !== 'object' || body === null) return;
  const stream = body as Pulled;
  const read = stream._read;
  if (typeof stream.pipe !== 'function' || typeof read !== 'function') return;
  stream._read = function (this: unknown, ...args: unknown[]) {
    return state.als.run(context, () => Reflect.apply(read, this, args));
  };
}

/**
 * Adds a listener to a response without giving it the context-keeping `emit`, for
 * library listeners that reach the request through their own closure (the access log):
 * a request whose code listens to nothing then stays unbound. `ServerResponse` inherits
 * `on` from `EventEmitter`, so this is the method the patched one wraps.
 */
export function listenUnbound(
  res: ServerResponse,
  type: 'finish' | 'close' | 'prefinish',
  listener: () => void,
): void {
  EventEmitter.prototype.on.call(res, type, listener);
}
