import type { IncomingMessage, ServerResponse } from 'node:http';
import { getContext, type RequestContext } from '../src/index.js';

/** The part of a cls-hooked `Namespace` the bridge uses; cls-hooked itself is not imported. */
export interface ClsNamespace {
  runAndReturn<T>(fn: () => T): T;
  set<T>(key: string, value: T): T;
  bindEmitter(emitter: NodeJS.EventEmitter): void;
}

const KEYS = ['sessionToken', 'recordingId', 'sessionId', 'requestId'] as const;

function mirror(namespace: ClsNamespace, context: RequestContext): void {
  for (const key of KEYS) {
    const value = context[key];
    if (value !== undefined) namespace.set(key, value);
  }
}

/**
 * Runs `fn` in a new context of `namespace` holding the current request's ids
 * (`sessionToken`, `recordingId`, `sessionId`, `requestId`), so code built on cls-hooked
 * (e.g. Sequelize's CLS) reads them with `namespace.get('sessionToken')`. For frameworks
 * without a connect-style middleware; outside a request, `fn` runs as it is.
 *
 * @example
 * koa.use((ctx, next) => runInNamespace(ns, next));
 */
export function runInNamespace<T>(namespace: ClsNamespace, fn: () => T): T {
  const context = getContext();
  if (context === undefined) return fn();
  return namespace.runAndReturn(() => {
    mirror(namespace, context);
    return fn();
  });
}

/**
 * Connect/Express middleware mirroring the request's ids into a cls-hooked namespace the
 * application created. Mount it after replaylink's middleware.
 *
 * @example
 * import cls from 'cls-hooked';
 * import { clsHookedMiddleware } from 'replaylink/cls-hooked';
 * const ns = cls.createNamespace('app');
 * app.use(expressMiddleware());
 * app.use(clsHookedMiddleware(ns));
 * app.get('/', (req, res) => res.send(ns.get('sessionToken')));
 */
export function clsHookedMiddleware(
  namespace: ClsNamespace,
): (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void {
  return function replaylinkClsHooked(req, res, next) {
    if (getContext() === undefined) return next();
    // Request and response events come from the socket's context, outside the namespace's.
    namespace.bindEmitter(req);
    namespace.bindEmitter(res);
    runInNamespace(namespace, next);
  };
}
