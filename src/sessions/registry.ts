import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { InternalContext } from '../context.js';
import { diagnose } from '../diagnostics.js';
import type { RequestFacts, RequestObserver } from '../request.js';
import { state } from '../state.js';
import { capValue, sanitizeMetadata } from './limits.js';
import type { ResolvedLiveSessions } from './options.js';
import { pickData, type SessionData } from './session.js';
import type { StoreWrite } from './store.js';
import { parseAgent } from './user-agent.js';

/** Parsing, callbacks and store writes happen at most this often per session. */
export const REFRESH_MS = 1_000;
/** How long an API read waits for a shared store before answering from local state. */
export const READ_TIMEOUT_MS = 500;

interface Entry extends SessionData {
  readonly key: string;
  refreshedAt: number;
  userAgent: string | undefined;
  /** Requests already counted in the shared store. */
  storedRequests: number;
  dirty: boolean;
}

/** The live sessions of this process, and the way to the shared ones. */
export interface Registry {
  readonly options: ResolvedLiveSessions;
  /** The request observer that keeps the registry up to date. */
  readonly observe: RequestObserver;
  /** Sessions tracked locally. */
  size(): number;
  /** Live sessions of every instance (local ones alone when the store fails). Never rejects. */
  sessions(now: number): Promise<Iterable<SessionData>>;
  /** Writes pending changes to a shared store now. */
  flush(): Promise<void>;
  /** Stops the flush timer after a last flush. Does not close the store. */
  stop(): Promise<void>;
}

const counters = () => state.stats.liveSessions;
const capped = () => {
  counters().capped++;
};

// Never the raw token: it is the browser's credential for the recording. The hash is
// stable so that every instance derives the same id for the same session.
function sessionIdOf(key: string): string {
  if (key.charCodeAt(0) === 105 /* i */) return key.slice(1);
  return createHash('sha256').update(`replaylink:${key}`).digest('hex').slice(0, 32);
}

function keyOf(context: InternalContext): string | undefined {
  if (context.sessionId !== undefined) return `i${context.sessionId}`;
  if (context.sessionToken !== undefined) return `t${context.sessionToken}`;
  if (context.recordingId !== undefined) return `r${context.recordingId}`;
  return undefined;
}

function header(headers: IncomingHttpHeaders, name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

const COUNTRY = /^[A-Za-z0-9]{2}$/;

/** Creates the registry for validated options; starts the store and its flush timer. */
export function createRegistry(options: ResolvedLiveSessions): Registry {
  const { projectKey, liveWindowMs, maxSessions, store } = options;
  const entries = new Map<string, Entry>();
  const dirty = new Set<Entry>();
  const shared = store.shared;
  let flushing: Promise<void> | undefined;
  let degraded = false;

  function markDirty(entry: Entry): void {
    if (!shared || entry.dirty) return;
    entry.dirty = true;
    dirty.add(entry);
  }

  function evictOldest(): void {
    const oldest = entries.values().next().value;
    if (oldest === undefined) return;
    entries.delete(oldest.key);
    dirty.delete(oldest);
    counters().evicted++;
  }

  function readHeaders(entry: Entry, headers: IncomingHttpHeaders): void {
    const ua = header(headers, 'user-agent');
    if (ua !== entry.userAgent) {
      entry.userAgent = ua;
      Object.assign(entry, parseAgent(ua));
    }
    const country = header(headers, options.countryHeader);
    if (country !== undefined)
      entry.userCountry = COUNTRY.test(country) ? country.toUpperCase() : null;
    const title = header(headers, options.pageTitleHeader);
    if (title !== undefined) entry.pageTitle = capValue(title, capped);
  }

  function callback<T>(name: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch {
      counters().callbackErrors++;
      diagnose(`liveSessions.${name} threw; the session keeps its previous value`);
      return undefined;
    }
  }

  function readCallbacks(entry: Entry, req: IncomingMessage): void {
    const { identify, metadata } = options;
    if (identify !== undefined) {
      const id = callback('identify', () => identify(req));
      if (typeof id === 'string') entry.userID = capValue(id, capped);
      else if (typeof id === 'object' && id !== null) {
        if (id.userID !== undefined) entry.userID = capValue(id.userID, capped);
        if (id.userUUID !== undefined) entry.userUUID = capValue(id.userUUID, capped);
      }
    }
    if (metadata !== undefined) {
      const data = callback('metadata', () => metadata(req));
      if (typeof data === 'object' && data !== null)
        entry.metadata = sanitizeMetadata(data, capped);
    }
    markDirty(entry);
  }

  function refresh(entry: Entry, facts: RequestFacts, now: number): void {
    entry.refreshedAt = now;
    // Re-inserting keeps the Map in least-recently-seen order (to the second) for eviction.
    entries.delete(entry.key);
    entries.set(entry.key, entry);
    readHeaders(entry, facts.req.headers);
    // The user is known once auth middleware ran: read the callbacks when the request ends.
    if (options.identify === undefined && options.metadata === undefined) return;
    const res: ServerResponse = facts.res;
    if (typeof res?.once === 'function') res.once('finish', () => readCallbacks(entry, facts.req));
  }

  function create(key: string, now: number): Entry {
    const entry: Entry = {
      key,
      sessionID: sessionIdOf(key),
      projectKey,
      timestamp: now,
      startTs: now,
      requests: 0,
      pageTitle: null,
      userID: null,
      userUUID: null,
      metadata: Object.create(null) as Record<string, string>,
      userOs: null,
      userBrowser: null,
      userBrowserVersion: null,
      userDevice: null,
      userDeviceType: 'desktop',
      userCountry: null,
      refreshedAt: -Infinity,
      userAgent: undefined,
      storedRequests: 0,
      dirty: false,
    };
    entries.set(key, entry);
    counters().created++;
    if (entries.size > maxSessions) evictOldest();
    return entry;
  }

  // The per-request path: one Map lookup and two field updates, except once a second.
  const observe: RequestObserver = (context, facts) => {
    const key = keyOf(context);
    if (key === undefined) return;
    const now = context.startedAt;
    const entry = entries.get(key) ?? create(key, now);
    entry.timestamp = now;
    entry.requests++;
    if (now - entry.refreshedAt >= REFRESH_MS) refresh(entry, facts, now);
    markDirty(entry);
  };

  function onStoreError(error: unknown): void {
    counters().storeErrors++;
    if (degraded) return;
    degraded = true;
    const message = error instanceof Error ? error.message : 'unknown error';
    diagnose(`live sessions store failed (${message.slice(0, 200)}); serving from local state`);
  }

  function onStoreReady(): void {
    if (degraded) diagnose('live sessions store is back; sharing resumes');
    degraded = false;
    // The store may have lost everything (restart): send every local session again.
    for (const entry of entries.values()) markDirty(entry);
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
    } catch (error) {
      onStoreError(error);
      // Kept for the next flush, unless evicted meanwhile.
      for (const entry of batch) if (entries.get(entry.key) === entry) markDirty(entry);
    }
  }

  function flush(): Promise<void> {
    if (!shared || flushing !== undefined || dirty.size === 0 || !store.ready())
      return flushing ?? Promise.resolve();
    flushing = writeBatch().finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  function merge(remote: readonly SessionData[]): Map<string, SessionData> {
    const merged = new Map<string, SessionData>();
    for (const s of remote) merged.set(s.sessionID, s);
    for (const entry of entries.values()) {
      const other = merged.get(entry.sessionID);
      if (other === undefined) {
        merged.set(entry.sessionID, entry);
        continue;
      }
      const newer = entry.timestamp >= other.timestamp ? entry : other;
      merged.set(entry.sessionID, {
        ...pickData(newer),
        timestamp: Math.max(entry.timestamp, other.timestamp),
        startTs: Math.min(entry.startTs, other.startTs),
        requests: other.requests + entry.requests - entry.storedRequests,
      });
    }
    return merged;
  }

  function prune(now: number): void {
    for (const entry of entries.values()) {
      if (now - entry.timestamp > liveWindowMs) {
        entries.delete(entry.key);
        dirty.delete(entry);
      }
    }
  }

  async function sessions(now: number): Promise<Iterable<SessionData>> {
    prune(now);
    if (!shared) return entries.values();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('read timed out')), READ_TIMEOUT_MS);
    });
    try {
      return merge(await Promise.race([store.load(now), timeout])).values();
    } catch (error) {
      onStoreError(error);
      counters().localReads++;
      return entries.values();
    } finally {
      clearTimeout(timer);
    }
  }

  // Created outside any request context, so the timer never carries one.
  const timer = state.als.exit(() => {
    store.open({
      projectKey,
      liveWindowMs,
      maxSessions,
      onError: onStoreError,
      onReady: onStoreReady,
    });
    return shared ? setInterval(() => void flush(), REFRESH_MS).unref() : undefined;
  });

  return {
    options,
    observe,
    size: () => entries.size,
    sessions,
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
