import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ensureInit } from './client.js';
import { contextFromRequest, type InternalContext } from './context.js';
import { state } from './state.js';
import { kContext } from './symbols.js';

type Tagged<T> = T & { [kContext]?: InternalContext };

/**
 * Makes every listener of `emitter` run inside `context`. Request and response
 * events ('data', 'end', 'finish', 'close') are emitted from the socket's async
 * context, which predates the request; body parsers and `res.on('finish')`
 * would otherwise lose the context.
 */
function bindEmitter(emitter: EventEmitter, context: InternalContext): void {
  const emit = emitter.emit;
  const als = state.als;
  emitter.emit = function (this: EventEmitter, ...args: Parameters<EventEmitter['emit']>) {
    return als.getStore() === context
      ? emit.apply(this, args)
      : als.run(context, () => emit.apply(this, args));
  };
}

/**
 * Enters the request's context and calls `next` inside it. Adapters call this once
 * per request; a second call for the same request (nested mounts) reuses the context.
 */
export function runRequest<T>(req: IncomingMessage, res: ServerResponse, next: () => T): T {
  ensureInit();
  const tagged = req as Tagged<IncomingMessage>;
  let context = tagged[kContext];
  if (context === undefined) {
    const url = (req as { originalUrl?: string }).originalUrl ?? req.url;
    context = contextFromRequest(req.headers, req.method, url);
    tagged[kContext] = context;
    bindEmitter(req, context);
    bindEmitter(res, context);
  }
  return state.als.run(context, next);
}

/** The context a request was given by {@link runRequest}, if any. */
export function contextOf(req: IncomingMessage): InternalContext | undefined {
  return (req as Tagged<IncomingMessage>)[kContext];
}
