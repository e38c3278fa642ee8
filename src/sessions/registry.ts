import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { crypto } from '../core/builtins.js';
import { diagnose } from '../core/diagnostics.js';
import type { InternalContext, RequestFacts, RequestObserver } from '../core/model.js';
import { state } from '../core/state.js';
import { capValue, sanitizeMetadata } from './limits.js';
import type { ResolvedLiveSessions } from './options.js';
import type { SessionData } from './session.js';
import { createSharing, type Entry, REFRESH_MS } from './sharing.js';
import { parseAgent } from './user-agent.js';

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
  return crypto().createHash('sha256').update(`replaylink:${key}`).digest('hex').slice(0, 32);
}

function keyOf(context: InternalContext): string | undefined {
  if (context.sessionId !== undefined) return `i${context.sessionId}`;
  if (context.sessionToken !== undefined) return `t${context.sessionToken}`;
  if (context.recordingId !== undefined) return `r${context.recordingId}`;
  return undefined;
}

const tokenHash = (token: string) =>
  crypto().createHash('sha256').update(`replaylink.proof:${token}`).digest('base64url');

/**
 * Whether this request may set the session's identity (user ids, metadata, user agent).
 * A session keyed by token or recording id is proved by the key itself. A session keyed
 * by its numeric id — a value other users can learn — is bound to the first token that
 * came with it; a bare id, or one with another token, refreshes `timestamp` only.
 */
function proves(entry: Entry, context: InternalContext): boolean {
  if (entry.key.charCodeAt(0) !== 105 /* i */) return true;
  if (context.sessionToken === undefined) return false;
  const hash = tokenHash(context.sessionToken);
  entry.proof ??= hash;
  return entry.proof === hash;
}

function header(headers: IncomingHttpHeaders, name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

const COUNTRY = /^[A-Za-z0-9]{2}$/;

/** Creates the registry for validated options; starts the store and its flush timer. */
export function createRegistry(options: ResolvedLiveSessions): Registry {
  const { projectKey, liveWindowMs, maxSessions } = options;
  const entries = new Map<string, Entry>();
  const sharing = createSharing(options, entries);

  function evictOldest(): void {
    const oldest = entries.values().next().value;
    if (oldest === undefined) return;
    entries.delete(oldest.key);
    sharing.forget(oldest);
    counters().evicted++;
  }

  function readHeaders(entry: Entry, headers: IncomingHttpHeaders): void {
    // Parsed results are cached per user agent, so this is usually one Map lookup.
    Object.assign(entry, parseAgent(header(headers, 'user-agent')));
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
    sharing.mark(entry);
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
    entry.timestamp = Math.max(entry.timestamp, now);
    if (proves(entry, context)) {
      entry.requests++;
      if (now - entry.refreshedAt >= REFRESH_MS) refresh(entry, facts, now);
    }
    sharing.mark(entry);
  };

  function prune(now: number): void {
    for (const entry of entries.values()) {
      if (now - entry.timestamp > liveWindowMs) {
        entries.delete(entry.key);
        sharing.forget(entry);
      }
    }
  }

  async function sessions(now: number): Promise<Iterable<SessionData>> {
    prune(now);
    return sharing.read(now);
  }

  return {
    options,
    observe,
    size: () => entries.size,
    sessions,
    flush: sharing.flush,
    stop: sharing.stop,
  };
}
