import { diagnose, warnOnce } from '../core/diagnostics.js';
import { state } from '../core/state.js';
import type { ResolvedLiveSessions } from './options.js';
import { pickData, type SessionData } from './session.js';
import type { StoreWrite } from './store.js';

/** Parsing, callbacks and store writes happen at most this often per session. */
export const REFRESH_MS = 1_000;
/** How long an API read waits for a shared store before answering from local state. */
export const READ_TIMEOUT_MS = 500;

/** A session as the registry keeps it: the data plus bookkeeping that never leaves it. */
export interface Entry extends SessionData {
  /** The Map key; holds the raw id, so it never leaves the process. */
  readonly key: string;
  refreshedAt: number;
  /** Requests already counted in the shared store. */
  storedRequests: number;
  /** Changed since the last write to the shared store. */
  dirty: boolean;
  /**
   * For a session keyed by its numeric id: hash of the token that first came with that
   * id. Only requests carrying the same token may set the identity fields.
   */
  proof?: string;
}

/** How the registry's local entries reach a shared store and come back merged. */
export interface Sharing {
  /** Notes a change, written with the next batch. */
  mark(entry: Entry): void;
  /** Drops an entry that left the registry from the next batch. */
  forget(entry: Entry): void;
  /** Writes the pending batch now (no-op while the store is down). Never rejects. */
  flush(): Promise<void>;
  /** Local entries merged with every instance's sessions, or local alone on failure. */
  read(now: number): Promise<Iterable<SessionData>>;
  /** Stops the timer after a last flush. */
  stop(): Promise<void>;
}

const counters = () => state.stats.liveSessions;

/** The in-process store shares nothing: reads are the local entries. */
function localOnly(entries: Map<string, Entry>): Sharing {
  return {
    mark() {},
    forget() {},
    flush: () => Promise.resolve(),
    read: async () => entries.values(),
    stop: () => Promise.resolve(),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Local and remote views of the same session: latest attributes, requests added up. */
function merge(entries: Map<string, Entry>, remote: readonly SessionData[]) {
  const merged = new Map<string, SessionData>();
  for (const s of remote) merged.set(s.sessionID, s);
  for (const entry of entries.values()) {
    const other = merged.get(entry.sessionID);
    if (other === undefined) {
      merged.set(entry.sessionID, entry);
      continue;
    }
    merged.set(entry.sessionID, {
      ...pickData(entry.timestamp >= other.timestamp ? entry : other),
      timestamp: Math.max(entry.timestamp, other.timestamp),
      startTs: Math.min(entry.startTs, other.startTs),
      requests: other.requests + entry.requests - entry.storedRequests,
    });
  }
  return merged.values();
}

/**
 * Connects the registry's entries to its store: coalesced batches from a timer, merged
 * reads with a bounded wait, failures counted and diagnosed once per outage.
 */
export function createSharing(options: ResolvedLiveSessions, entries: Map<string, Entry>): Sharing {
  const { store, projectKey, liveWindowMs, maxSessions } = options;
  const scope = { projectKey, liveWindowMs, maxSessions };
  if (!store.shared) {
    store.open({ ...scope, onError() {}, onReady() {} });
    return localOnly(entries);
  }
  const dirty = new Set<Entry>();
  let flushing: Promise<void> | undefined;
  let degraded = false;

  function mark(entry: Entry): void {
    if (entry.dirty) return;
    entry.dirty = true;
    dirty.add(entry);
  }

  function failed(error: unknown): void {
    counters().storeErrors++;
    if (degraded) return;
    degraded = true;
    const message = error instanceof Error ? error.message : 'unknown error';
    warnOnce(
      'storeUnreachable',
      `live sessions store failed (${message.slice(0, 200)}); serving from local state — ` +
        'check the Redis address given to redisStore() and that the server runs',
    );
  }

  function succeeded(): void {
    if (!degraded) return;
    degraded = false;
    diagnose('live sessions store answers again; sharing resumes');
  }

  async function writeBatch(): Promise<void> {
    const batch = [...dirty];
    dirty.clear();
    const writes: StoreWrite[] = batch.map((entry) => {
      entry.dirty = false;
      return { session: pickData(entry), newRequests: entry.requests - entry.storedRequests };
    });
    try {
      await store.save(writes);
      batch.forEach((entry, i) => {
        entry.storedRequests += writes[i]!.newRequests;
      });
      counters().storeWrites += writes.length;
      succeeded();
    } catch (error) {
      failed(error);
      // Kept for the next flush, unless it left the registry meanwhile.
      for (const entry of batch) if (entries.get(entry.key) === entry) mark(entry);
    }
  }

  function flush(): Promise<void> {
    if (flushing !== undefined || dirty.size === 0 || !store.ready())
      return flushing ?? Promise.resolve();
    flushing = writeBatch().finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  async function read(now: number): Promise<Iterable<SessionData>> {
    try {
      const remote = await withTimeout(store.load(now), READ_TIMEOUT_MS);
      succeeded();
      return merge(entries, remote);
    } catch (error) {
      failed(error);
      counters().localReads++;
      return entries.values();
    }
  }

  // Created outside any request context, so neither the timer nor the client carries one.
  const timer = state.als.exit(() => {
    store.open({
      ...scope,
      onError: failed,
      // The store may have lost everything (restart): send every local session again.
      onReady() {
        for (const entry of entries.values()) mark(entry);
      },
    });
    return setInterval(() => void flush(), REFRESH_MS).unref();
  });

  return {
    mark,
    forget: (entry) => dirty.delete(entry),
    flush,
    read,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
