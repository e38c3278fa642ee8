import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';

type Enter = <T>(req: IncomingMessage, res: ServerResponse, next: () => T) => T;
type Emit = (this: net.Server, event: string | symbol, ...args: unknown[]) => boolean;

const kOriginal = Symbol.for('replaylink.servers.emit');

/** The events a Node HTTP server hands a request and its response with. */
function isRequestEvent(event: unknown): boolean {
  return event === 'request' || event === 'checkContinue' || event === 'checkExpectation';
}

/**
 * Runs the listeners of every request event of every Node HTTP server (`node:http`,
 * `node:https`, `node:http2`'s compatibility API, whoever created the server) inside
 * `enter`, so the first line of the first handler already has the request's context.
 * Why `emit`: Node publishes `http.server.request.start` on diagnostics_channel before
 * it emits, but a subscriber cannot run the listeners inside `AsyncLocalStorage.run`.
 * All three server kinds inherit `emit` from `net.Server`: one patch covers them, and
 * loads no module the application did not load. When a listener throws (Node then raises
 * an uncaught exception), `escaping` runs first, still inside the request's context; the
 * exception itself is never caught, so Node reports it exactly as without replaylink.
 * Returns the undo function.
 */
export function enterEveryServerRequest(enter: Enter, escaping: () => void): () => void {
  const proto = net.Server.prototype as net.Server & { [kOriginal]?: Emit };
  if (proto[kOriginal] !== undefined) return () => {};
  const owned = Object.hasOwn(proto, 'emit');
  const original = proto.emit as Emit;
  function emit(this: net.Server, event: string | symbol, req?: unknown, res?: unknown): boolean {
    if (!isRequestEvent(event) || typeof (req as IncomingMessage | undefined)?.headers !== 'object')
      // biome-ignore lint/complexity/noArguments: every other event passes on as it came, uncopied.
      return Reflect.apply(original, this, arguments) as boolean;
    return enter(req as IncomingMessage, res as ServerResponse, () => {
      let threw = true;
      try {
        const handled = original.call(this, event, req, res);
        threw = false;
        return handled;
      } finally {
        if (threw) escaping();
      }
    });
  }
  proto.emit = emit as typeof proto.emit;
  proto[kOriginal] = original;
  return () => {
    if (proto.emit === (emit as unknown)) {
      if (owned) proto.emit = original as typeof proto.emit;
      else delete (proto as { emit?: unknown }).emit;
    }
    delete proto[kOriginal];
  };
}
