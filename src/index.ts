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
export { close, init, stats } from './client.js';
export type { ContextInit, RequestContext } from './context.js';
export { getContext, runWithContext } from './context.js';
export { ReplayLinkError, type ReplayLinkErrorCode } from './errors.js';
export type { ReplayLinkOptions } from './options.js';
export {
  createRequestScope,
  noteRequestError,
  type RequestObserver,
  runRequest,
  type ScopeOptions,
} from './request.js';
export type { Stats } from './stats.js';
export { attachWebSocketServer, type WebSocketOptions } from './websocket.js';
