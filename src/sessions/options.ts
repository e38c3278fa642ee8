import type { IncomingMessage } from 'node:http';
import { invalidOption } from '../core/errors.js';
import { unknownOption } from '../core/suggest.js';
import { isSessionStore, type SessionStore } from './store.js';
import { memoryStore } from './store-memory.js';

/** What `identify(req)` may return: a user id, or both ids OpenReplay knows. */
export type Identity =
  | string
  | { userID?: string | undefined; userUUID?: string | undefined }
  | undefined
  | null;

/** The `liveSessions` option of `init`: turns the live sessions registry on. */
export interface LiveSessionsOptions {
  /** The OpenReplay project key the API answers for (`/api/v1/:projectKey/…`). Required. */
  projectKey: string;
  /** A session is live while seen within this many ms. Default 60,000. */
  liveWindowMs?: number;
  /** Sessions kept; the least recently seen is dropped past it. Default 10,000. */
  maxSessions?: number;
  /** Where sessions are shared: {@link memoryStore} (default) or {@link redisStore}. */
  store?: SessionStore;
  /** The user of a request, read when it finishes (at most once per session per second). */
  identify?: (req: IncomingMessage) => Identity;
  /** Metadata of a request (string values), read like `identify`. */
  metadata?: (req: IncomingMessage) => Record<string, unknown> | undefined | null;
  /** Header with the client's country code, e.g. `cf-ipcountry`. Default: none. */
  countryHeader?: string;
  /** Header with the page title, set by the browser app. Default: none. */
  pageTitleHeader?: string;
}

export interface ResolvedLiveSessions {
  readonly projectKey: string;
  readonly liveWindowMs: number;
  readonly maxSessions: number;
  readonly store: SessionStore;
  readonly identify: LiveSessionsOptions['identify'];
  readonly metadata: LiveSessionsOptions['metadata'];
  readonly countryHeader: string | undefined;
  readonly pageTitleHeader: string | undefined;
}

export const LIVE_DEFAULTS = Object.freeze({ liveWindowMs: 60_000, maxSessions: 10_000 });

const KEYS = [
  'projectKey',
  'liveWindowMs',
  'maxSessions',
  'store',
  'identify',
  'metadata',
  'countryHeader',
  'pageTitleHeader',
] as const;
const PROJECT_KEY = /^[A-Za-z0-9_-]{1,64}$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

function integerIn(
  o: Record<string, unknown>,
  key: string,
  min: number,
  max: number,
  fallback: number,
) {
  const value = o[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw invalidOption(`liveSessions.${key}`, value, `an integer from ${min} to ${max}`);
  return value;
}

function optionalFunction<T>(o: Record<string, unknown>, key: string): T | undefined {
  const value = o[key];
  if (value !== undefined && typeof value !== 'function')
    throw invalidOption(`liveSessions.${key}`, value, 'a function');
  return value as T | undefined;
}

function optionalHeader(o: Record<string, unknown>, key: string): string | undefined {
  const value = o[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !HEADER_NAME.test(value))
    throw invalidOption(`liveSessions.${key}`, value, 'an HTTP header name');
  return value.toLowerCase();
}

/** Validates the `liveSessions` option at set-up. `undefined` leaves the feature off. */
export function resolveLiveSessions(input: unknown): ResolvedLiveSessions | undefined {
  if (input === undefined) return undefined;
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw invalidOption('liveSessions', input, 'an object with a projectKey');
  const o = input as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!(KEYS as readonly string[]).includes(key))
      throw invalidOption(`liveSessions.${key}`, o[key], unknownOption(key, KEYS.join(', ')));
  }
  if (typeof o.projectKey !== 'string' || !PROJECT_KEY.test(o.projectKey))
    throw invalidOption(
      'liveSessions.projectKey',
      o.projectKey,
      'letters, digits, "_" or "-" (1–64)',
    );
  if (o.store !== undefined && !isSessionStore(o.store))
    throw invalidOption('liveSessions.store', o.store, 'memoryStore() or redisStore({ url })');
  return {
    projectKey: o.projectKey,
    liveWindowMs: integerIn(o, 'liveWindowMs', 1_000, 86_400_000, LIVE_DEFAULTS.liveWindowMs),
    maxSessions: integerIn(o, 'maxSessions', 1, 1_000_000, LIVE_DEFAULTS.maxSessions),
    store: (o.store as SessionStore | undefined) ?? memoryStore(),
    identify: optionalFunction(o, 'identify'),
    metadata: optionalFunction(o, 'metadata'),
    countryHeader: optionalHeader(o, 'countryHeader'),
    pageTitleHeader: optionalHeader(o, 'pageTitleHeader'),
  };
}
