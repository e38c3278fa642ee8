import type { IncomingHttpHeaders } from 'node:http';
import { invalidOption } from '../core/errors.js';

/**
 * Where the ids read at a WebSocket `$connect` are kept for the connection's later
 * invocations (`MESSAGE`, `$disconnect`), which carry no headers. Values are header-name →
 * id maps; they are validated again when read back.
 */
export interface ConnectionStore {
  set(connectionId: string, ids: Readonly<Record<string, string>>, ttlMs: number): Promise<void>;
  get(connectionId: string): Promise<Record<string, string> | undefined>;
  delete(connectionId: string): Promise<void>;
}

/** API Gateway closes a WebSocket connection after two hours at most. */
export const DEFAULT_CONNECTION_TTL_MS = 2 * 60 * 60 * 1000;
const MAX_CONNECTIONS = 10_000;

/**
 * Keeps connections in this process: right for one warm Lambda instance (or a test), wrong
 * as soon as API Gateway spreads one connection's invocations over several instances —
 * use `redisStore({ url })` then. At most 10,000 connections, the oldest dropped first.
 *
 * @example
 * export const handler = lambdaHandler(onWebSocket, { connections: memoryConnections() });
 */
export function memoryConnections(): ConnectionStore {
  const entries = new Map<string, { ids: Record<string, string>; expires: number }>();
  return {
    async set(connectionId, ids, ttlMs) {
      entries.delete(connectionId);
      if (entries.size >= MAX_CONNECTIONS) entries.delete(entries.keys().next().value!);
      entries.set(connectionId, { ids: { ...ids }, expires: Date.now() + ttlMs });
    },
    async get(connectionId) {
      const entry = entries.get(connectionId);
      if (entry === undefined) return undefined;
      if (entry.expires <= Date.now()) {
        entries.delete(connectionId);
        return undefined;
      }
      return entry.ids;
    },
    async delete(connectionId) {
      entries.delete(connectionId);
    },
  };
}

/** Whether `value` has the shape of a {@link ConnectionStore}. */
export function isConnectionStore(value: unknown): value is ConnectionStore {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return ['set', 'get', 'delete'].every((k) => typeof s[k] === 'function');
}

/** A stored id map as incoming headers; anything not a string is dropped. */
export function storedHeaders(stored: unknown): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  if (typeof stored !== 'object' || stored === null) return out;
  for (const [name, value] of Object.entries(stored).slice(0, 8))
    if (typeof value === 'string') out[name.toLowerCase()] = value;
  return out;
}

export function resolveConnectionTtl(value: unknown): number {
  if (value === undefined) return DEFAULT_CONNECTION_TTL_MS;
  if (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= 1000 &&
    value <= 7 * 86_400_000
  )
    return value;
  throw invalidOption(
    'connectionTtlMs',
    value,
    'an integer of milliseconds from 1000 to 604800000',
  );
}
