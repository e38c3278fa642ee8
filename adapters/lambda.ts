// AWS Lambda has no framework to hook: the handler wrapper is the whole integration, and
// it lives in the core (src/lambda.ts) so that other entry points can reuse it.
export {
  type ConnectionStore,
  fromMessageAttributes,
  type LambdaContextLike,
  type LambdaHandler,
  type LambdaOptions,
  lambdaHandler,
  lambdaHandlerFromEnv,
  loadLambdaHandler,
  memoryConnections,
  redisStore,
} from '../src/index.js';

import { lambdaHandlerFromEnv } from '../src/index.js';

/**
 * The zero-code entry: set the function's handler to
 * `node_modules/replaylink/dist/adapters/lambda.handler` and `REPLAYLINK_LAMBDA_HANDLER` to
 * the handler it had (e.g. `index.handler`). Nothing loads until the first invocation.
 */
export const handler = lambdaHandlerFromEnv();
