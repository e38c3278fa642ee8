import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AdapterEntryOptions,
  adapterScope,
  captureRequestError,
  type ShouldForward,
} from '../src/index.js';

/** Options of {@link withReplayLink}: adapter options, plus `init` options when given. */
export type HttpOptions = AdapterEntryOptions;

type Handler<R> = (req: IncomingMessage, res: ServerResponse) => R;

/**
 * Wraps a bare node:http request handler so that it runs in its request's replaylink
 * context. Errors it throws, or that its returned promise rejects with, are forwarded
 * and then rethrown unchanged.
 *
 * @example
 * import http from 'node:http';
 * import { withReplayLink } from 'replaylink/http';
 * http.createServer(withReplayLink((req, res) => res.end('ok'))).listen(3000);
 */
export function withReplayLink<R>(handler: Handler<R>, options?: HttpOptions): Handler<R> {
  const { enter, options: adapter } = adapterScope(options);
  const { shouldForward } = adapter;
  return function replaylink(req, res) {
    return enter(req, res, () => call(handler, req, res, shouldForward));
  };
}

function call<R>(
  handler: Handler<R>,
  req: IncomingMessage,
  res: ServerResponse,
  shouldForward: ShouldForward | undefined,
): R {
  let result: R;
  try {
    result = handler(req, res);
  } catch (error) {
    captureRequestError(error, req, shouldForward);
    throw error;
  }
  if (!(result instanceof Promise)) return result;
  return result.catch((error: unknown) => {
    captureRequestError(error, req, shouldForward);
    throw error;
  }) as R;
}
