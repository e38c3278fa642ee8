import type { SessionData } from './session.js';

/** What a store is told when the registry starts using it. */
export interface StoreScope {
  readonly projectKey: string;
  readonly liveWindowMs: number;
  readonly maxSessions: number;
  /** Reports a failure (counted, diagnosed); the registry keeps serving from local state. */
  onError(error: unknown): void;
  /** The store (re)connected: the registry re-sends what it has. */
  onReady(): void;
}

/** One changed session to persist, with the requests seen since its last write. */
export interface StoreWrite {
  readonly session: SessionData;
  readonly newRequests: number;
}

/**
 * Where live sessions are shared between app instances. The registry always keeps its
 * own bounded local state; a shared store adds the other instances' sessions to reads.
 * Create one with {@link memoryStore} or {@link redisStore}.
 */
export interface SessionStore {
  /** `false` for the in-process store: reads come from the local registry alone. */
  readonly shared: boolean;
  /** Starts connecting; never throws. Called by `init`, again after `close()`. */
  open(scope: StoreScope): void;
  /** Whether writes can go out now (a store that is down keeps them pending). */
  ready(): boolean;
  /** Persists one coalesced batch; rejects on failure. */
  save(batch: readonly StoreWrite[]): Promise<void>;
  /** Every instance's live sessions, newest first, at most `maxSessions`; rejects on failure. */
  load(now: number): Promise<SessionData[]>;
  /** Disconnects. */
  close(): Promise<void>;
  /**
   * Optional: drops the connection at once, giving up on commands in flight. Called when
   * `close(ms)` reaches its deadline before {@link SessionStore.close} settled, so that a
   * server that stopped answering does not keep the process alive.
   */
  disconnect?(): void;
  /**
   * Optional: the same backend as a store of WebSocket connections (connection id → the
   * ids read at `$connect`, with a TTL), for `lambdaHandler`'s `connections` option.
   */
  connections?(): ConnectionKeys;
}

/** A connection id → ids map with a TTL, as a shared store keeps it. */
export interface ConnectionKeys {
  set(connectionId: string, ids: Readonly<Record<string, string>>, ttlMs: number): Promise<void>;
  get(connectionId: string): Promise<Record<string, string> | undefined>;
  delete(connectionId: string): Promise<void>;
}

/** Whether `value` has the shape of a {@link SessionStore}. */
export function isSessionStore(value: unknown): value is SessionStore {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return (
    typeof s.shared === 'boolean' &&
    ['open', 'ready', 'save', 'load', 'close'].every((k) => typeof s[k] === 'function')
  );
}
