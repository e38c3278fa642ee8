export {
  type AccessLog,
  type AccessLogOptions,
  type AccessRecord,
  createAccessLog,
  type EscapeName,
  type EventType,
  type LineWritable,
  PRESETS,
  type PresetName,
} from './access-log/index.js';
export {
  type AdapterEntryOptions,
  type AdapterOptions,
  type AdapterSetup,
  adapterScope,
  adapterSetup,
} from './adapter.js';
export type { ReplayLinkClient } from './client.js';
export { captureException, close, init, log, runWithContext, stats } from './client.js';
export type { Carrier, ContextInit } from './core/context.js';
export { carrier, fromCarrier, getContext } from './core/context.js';
export { keepContext } from './core/emitters.js';
export { ReplayLinkError, type ReplayLinkErrorCode } from './core/errors.js';
export { contextTags, idHeadersToHide } from './core/fields.js';
export { replaylinkHeaders } from './core/headers.js';
export type { ContextTags, RequestContext, RequestObserver } from './core/model.js';
export {
  attachFrameworkRequest,
  frameworkRequestOf,
  type ScopeOptions,
} from './core/request.js';
export { anyRoute, expressRoute, fastifyRoute, honoRoute, koaRoute } from './core/routes.js';
export type { Stats } from './core/stats.js';
export { type EnvironmentOptions, environmentOptions } from './env.js';
export {
  captureRequestError,
  defaultShouldForward,
  type ShouldForward,
} from './forward/capture.js';
export type { ForwardEvent } from './forward/event.js';
export { flush, forwardsErrors } from './forward/forward.js';
export type { Compression, ForwardingOptions, LogLevel } from './forward/options.js';
export { type ConnectionStore, memoryConnections } from './lambda/connections.js';
export { fromMessageAttributes, type LambdaEventKind } from './lambda/event.js';
export { loadLambdaHandler } from './lambda/load.js';
export {
  type LambdaContextLike,
  type LambdaHandler,
  type LambdaMiddleware,
  type LambdaMiddlewareOptions,
  type LambdaOptions,
  lambdaHandler,
  lambdaHandlerFromEnv,
  lambdaMiddleware,
} from './lambda.js';
export type { ReplayLinkOptions } from './options.js';
export {
  createReceiver,
  type ReceivedEvent,
  type ReceiverOptions,
  type ReceiverStats,
  startReceiver,
} from './receiver/server.js';
export { startFromEnvironment } from './register.js';
export { createRequestScope, runRequest } from './scope.js';
export {
  type Identity,
  type LiveSession,
  type LiveSessionsApiOptions,
  type LiveSessionsHandler,
  type LiveSessionsOptions,
  liveSessionsApi,
  memoryStore,
  type RedisStoreOptions,
  redisStore,
  type SessionStore,
} from './sessions/index.js';
export { attachWebSocketServer, type WebSocketOptions } from './websocket.js';
