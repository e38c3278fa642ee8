// AWS Lambda has no framework to hook: the handler wrapper is the whole integration, and
// it lives in the core (src/lambda.ts) so that other entry points can reuse it.
export {
  type ConnectionStore,
  type LambdaContextLike,
  type LambdaHandler,
  type LambdaOptions,
  lambdaHandler,
  memoryConnections,
  redisStore,
} from '../src/index.js';
