import {
  type LambdaMiddleware,
  type LambdaMiddlewareOptions,
  lambdaMiddleware,
} from '../src/index.js';

export type { LambdaMiddlewareOptions as MiddyOptions } from '../src/index.js';

/**
 * A middy (5+) middleware: the invocation's error is logged once with the tag and forwarded
 * before an error-handling middleware later in the chain answers it. Wrap the middy
 * handler in `lambdaHandler`, which enters the invocation's context around the whole chain.
 *
 * @example
 * import middy from '@middy/core';
 * import { lambdaHandler } from 'replaylink/lambda';
 * import { replaylink } from 'replaylink/middy';
 * export const handler = lambdaHandler(middy(placeOrder).use(replaylink()));
 */
export function replaylink(options?: LambdaMiddlewareOptions): LambdaMiddleware {
  return lambdaMiddleware(options);
}
