import { IncomingMessage, ServerResponse } from 'node:http';
import type { InternalContext } from './model.js';
import { state } from './state.js';
import { kContext } from './symbols.js';

// The context rides on the request and response objects themselves. A WeakMap would
// keep them apart, but its ephemeron entries cost the garbage collector more per
// request (measured: about 15 µs of CPU on an Express hello world) than the property.
type Bound = { [kContext]?: InternalContext };

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

/**
 * Makes events of a request and its response run inside the request's context.
 * 'data', 'end', 'finish' and 'close' are emitted from the socket's async context,
 * which predates the request, so body parsers and `res.on('finish')` would lose it.
 * Patched once on the prototypes (no per-request closures); objects without a
 * context, such as HTTP client responses, take the original path.
 */
export function installEmitterBinding(): () => void {
  const undo = [IncomingMessage.prototype, ServerResponse.prototype].map((proto) => {
    const original = proto.emit;
    const emit = function (this: object, type: unknown) {
      // biome-ignore lint/complexity/noArguments: forwarding `arguments` avoids an array per emit.
      const args = arguments;
      if (!BOUND_EVENTS.has(type)) return original.apply(this, args as never);
      const context = (this as Bound)[kContext];
      if (context === undefined || state.als.getStore() === context)
        return original.apply(this, args as never);
      return state.als.run(context, Reflect.apply, original, this, args);
    } as typeof original;
    proto.emit = emit;
    return () => {
      if (proto.emit === emit) proto.emit = original;
    };
  });
  return () => {
    for (const restore of undo) restore();
  };
}

/** Ties `req` and `res` to `context`; their events then run inside it. */
export function bindRequest(
  req: IncomingMessage,
  res: ServerResponse,
  context: InternalContext,
): void {
  (req as Bound)[kContext] = context;
  (res as Bound)[kContext] = context;
}

/** The context `req` (or its response) was bound to, if any. */
export function boundContext(target: object): InternalContext | undefined {
  return (target as Bound)[kContext];
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
