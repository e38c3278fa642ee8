import { invalidOption } from '../core/errors.js';
import { isPlainObject } from '../core/options.js';
import { state } from '../core/state.js';
import {
  type ConnectionStore,
  isConnectionStore,
  memoryConnections,
  resolveConnectionTtl,
} from './connections.js';
import type { IdSources } from './event.js';

/** The options of `lambdaHandler` beyond the adapter and `init` options. */
export interface LambdaOwnOptions {
  /**
   * Query-string parameters the ids are read from when no header carries them — a
   * browser's `new WebSocket(url)` cannot set headers, so the token of a WebSocket
   * `$connect` comes this way. Names are matched case-insensitively. Default: the
   * incoming header names (`x-openreplay-sessiontoken`, `br-recording-uuid`, …).
   */
  queryParameters?: {
    sessionToken?: string;
    recordingId?: string;
    requestId?: string;
    sessionId?: string;
  };
  /**
   * Milliseconds left free before the function's timeout when events are delivered at
   * the end of an invocation (`context.getRemainingTimeInMillis()` minus this, and never
   * more than `shutdownTimeoutMs`). Default `500`.
   */
  flushMarginMs?: number;
  /**
   * Log what the handler throws as one tagged `console.error` record, inside the
   * invocation's context, before it is rethrown. Default `true`.
   */
  logErrors?: boolean;
  /**
   * Where a WebSocket API's `$connect` ids are kept so that the connection's `MESSAGE` and
   * `$disconnect` invocations (which carry no headers) run with them: `memoryConnections()`
   * (the default: one warm instance), `redisStore({ url })` (shared by every instance), any
   * {@link ConnectionStore}, or `false`.
   */
  connections?: ConnectionStore | { connections?(): ConnectionStore } | false;
  /** How long a connection's ids are kept. Default two hours, API Gateway's longest connection. */
  connectionTtlMs?: number;
}

export const LAMBDA_OPTION_KEYS = [
  'queryParameters',
  'flushMarginMs',
  'logErrors',
  'connections',
  'connectionTtlMs',
] as const;

const KINDS = ['sessionToken', 'recordingId', 'requestId', 'sessionId'] as const;
const PARAMETER = /^[A-Za-z0-9._~-]{1,128}$/;

export interface ResolvedLambdaOptions {
  /** Query names by kind, lower case; `undefined` means "the header name". */
  readonly query: Readonly<Partial<Record<(typeof KINDS)[number], string>>>;
  readonly flushMarginMs: number;
  readonly logErrors: boolean;
  readonly connections: ConnectionStore | undefined;
  readonly connectionTtlMs: number;
}

function pickConnections(value: unknown): ConnectionStore | undefined {
  if (value === undefined) return memoryConnections();
  if (value === false) return undefined;
  const shared = (value as { connections?: unknown } | null)?.connections;
  const store = typeof shared === 'function' ? (shared as () => unknown).call(value) : value;
  if (isConnectionStore(store)) return store;
  throw invalidOption(
    'connections',
    value,
    'memoryConnections(), redisStore({ url }), an object with set/get/delete, or false',
  );
}

/** Validates the Lambda options at set-up, naming the bad option. */
export function resolveLambdaOptions(input: Record<string, unknown>): ResolvedLambdaOptions {
  const query: Partial<Record<(typeof KINDS)[number], string>> = {};
  const names = input.queryParameters;
  if (names !== undefined) {
    if (!isPlainObject(names)) throw invalidOption('queryParameters', names, 'an object');
    for (const key of Object.keys(names)) {
      if (!(KINDS as readonly string[]).includes(key))
        throw invalidOption(`queryParameters.${key}`, names[key], `one of ${KINDS.join(', ')}`);
      const value = names[key];
      if (typeof value !== 'string' || !PARAMETER.test(value))
        throw invalidOption(`queryParameters.${key}`, value, 'a query parameter name');
      query[key as (typeof KINDS)[number]] = value.toLowerCase();
    }
  }
  const margin = input.flushMarginMs ?? 500;
  if (typeof margin !== 'number' || !Number.isInteger(margin) || margin < 0 || margin > 60_000)
    throw invalidOption('flushMarginMs', margin, 'an integer from 0 to 60000');
  const logErrors = input.logErrors ?? true;
  if (typeof logErrors !== 'boolean') throw invalidOption('logErrors', logErrors, 'true or false');
  return {
    query,
    flushMarginMs: margin,
    logErrors,
    connections: pickConnections(input.connections),
    connectionTtlMs: resolveConnectionTtl(input.connectionTtlMs),
  };
}

/** Where the ids are read from, with the header names in force now. */
export function idSources(options: ResolvedLambdaOptions): IdSources {
  const headers = state.options.headers;
  return {
    headers: KINDS.map((kind) => headers[kind]),
    query: KINDS.map((kind) => options.query[kind] ?? headers[kind]),
  };
}

/** The header name under which the request id is read (a fallback is put there). */
export function requestIdHeader(): string {
  return state.options.headers.requestId;
}
