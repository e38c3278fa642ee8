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
export { captureRequestError, defaultShouldForward, type ShouldForward } from './capture.js';
export type { ReplayLinkClient } from './client.js';
export { close, init, stats } from './client.js';
export type { ContextInit, RequestContext } from './context.js';
export { getContext, runWithContext } from './context.js';
export { keepContext } from './emitters.js';
export { ReplayLinkError, type ReplayLinkErrorCode } from './errors.js';
export type { ForwardEvent } from './event.js';
export { captureException, flush, log } from './forward.js';
export type { Compression, ForwardingOptions, LogLevel } from './forward-options.js';
export type { ReplayLinkOptions } from './options.js';
export {
  createReceiver,
  type ReceivedEvent,
  type ReceiverOptions,
  startReceiver,
} from './receiver/server.js';
export {
  attachFrameworkRequest,
  createRequestScope,
  frameworkRequestOf,
  type RequestObserver,
  runRequest,
  type ScopeOptions,
} from './request.js';
export { expressRoute, fastifyRoute } from './routes.js';
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
export type { Stats } from './stats.js';
export { attachWebSocketServer, type WebSocketOptions } from './websocket.js';
