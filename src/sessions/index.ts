export { type LiveSessionsApiOptions, type LiveSessionsHandler, liveSessionsApi } from './api.js';
export type { Identity, LiveSessionsOptions } from './options.js';
export type { LiveSession } from './session.js';
export type { SessionStore, StoreScope, StoreWrite } from './store.js';
export { memoryStore } from './store-memory.js';
export { type RedisStoreOptions, redisStore } from './store-redis.js';
