import type { Redis } from 'ioredis';
import { invalidOption } from '../core/errors.js';
import { sanitizeMetadata } from './limits.js';
import type { SessionData } from './session.js';
import type { ConnectionKeys, SessionStore, StoreScope, StoreWrite } from './store.js';

/** Options of {@link redisStore}. */
export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` for TLS. */
  url: string;
  /** Prefix of every key the store writes. Default `replaylink:live`. */
  keyPrefix?: string;
}

const KEY_PREFIX = /^[A-Za-z0-9:_.-]{1,64}$/;
// Fail fast rather than queue: a request never waits on Redis, and a flush or read that
// cannot go out now is retried (flush) or answered locally (read).
const CLIENT_OPTIONS = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 1_000,
  connectTimeout: 2_000,
  retryStrategy: (times: number) => Math.min(100 * times, 1_000),
};

function validate(options: unknown): { url: string; prefix: string } {
  if (typeof options !== 'object' || options === null)
    throw invalidOption('redisStore', options, 'an object with a url');
  const { url, keyPrefix } = options as Record<string, unknown>;
  let protocol = '';
  try {
    protocol = typeof url === 'string' ? new URL(url).protocol : '';
  } catch {}
  if (protocol !== 'redis:' && protocol !== 'rediss:')
    throw invalidOption('redisStore.url', url, 'a redis:// or rediss:// URL');
  if (keyPrefix !== undefined && (typeof keyPrefix !== 'string' || !KEY_PREFIX.test(keyPrefix)))
    throw invalidOption(
      'redisStore.keyPrefix',
      keyPrefix,
      'letters, digits, ":", "_", "." or "-" (1–64)',
    );
  return { url: url as string, prefix: (keyPrefix as string | undefined) ?? 'replaylink:live' };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Rebuilds a session read back from Redis, trusting nothing about its shape. */
function fromStored(
  doc: string | null,
  requests: string | null,
  first: string | null,
  timestamp: number,
): SessionData | undefined {
  if (doc === null) return undefined;
  let d: Record<string, unknown>;
  try {
    d = JSON.parse(doc) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof d !== 'object' || d === null || typeof d.sessionID !== 'string') return undefined;
  return {
    sessionID: d.sessionID,
    projectKey: str(d.projectKey) ?? '',
    timestamp,
    startTs: Number(first) || timestamp,
    requests: Number(requests) || 0,
    pageTitle: str(d.pageTitle),
    userID: str(d.userID),
    userUUID: str(d.userUUID),
    metadata: sanitizeMetadata(d.metadata, () => {}),
    userOs: str(d.userOs),
    userBrowser: str(d.userBrowser),
    userBrowserVersion: str(d.userBrowserVersion),
    userDevice: str(d.userDevice),
    userDeviceType: str(d.userDeviceType) ?? 'desktop',
    userCountry: str(d.userCountry),
  };
}

function check(results: Array<[Error | null, unknown]> | null): Array<[Error | null, unknown]> {
  if (results === null) throw new Error('pipeline discarded');
  for (const [error] of results) if (error) throw error;
  return results;
}

/**
 * Shares live sessions between app instances through Redis: one hash per session with a
 * TTL of `liveWindowMs`, and a sorted index by last activity. Writes are coalesced (once a
 * second) and pipelined; requests never wait on Redis. Needs the `ioredis` package
 * (an optional peer dependency), loaded only when this store is used.
 *
 * @example
 * import { init, redisStore } from 'replaylink';
 * init({ liveSessions: { projectKey: 'web-app', store: redisStore({ url: process.env.REDIS_URL }) } });
 */
// Clients ended by force: a second disconnect() would arm ioredis's own 2 s timer on a
// socket that already closed, and nothing would clear it.
const forced = new WeakSet<Redis>();

/** Ends the client now: its socket is destroyed rather than half-closed towards a silent server. */
function forceDisconnect(c: Redis): void {
  if (forced.has(c)) return;
  forced.add(c);
  c.disconnect();
  (c as unknown as { stream?: { destroy(): void } }).stream?.destroy();
}

export function redisStore(options: RedisStoreOptions): SessionStore {
  const { url, prefix } = validate(options);
  let client: Redis | undefined;
  // Clients not yet fully closed, so that disconnect() reaches one whose quit() still waits.
  const closing = new Set<Redis>();
  let opening: Promise<void> | undefined;
  let scope: StoreScope | undefined;

  // The client of the connection store, when no registry opened one (a Lambda function).
  let own: Promise<Redis> | undefined;

  const indexKey = () => `${prefix}:${scope!.projectKey}:index`;
  const sessionKey = (id: string) => `${prefix}:${scope!.projectKey}:s:${id}`;

  async function connect(s: StoreScope): Promise<void> {
    try {
      const { Redis } = await import('ioredis');
      if (scope !== s) return; // closed or reopened meanwhile
      client = new Redis(url, CLIENT_OPTIONS);
      // Through `scope`, not `s`: a re-init with the same store hands it a new registry.
      client.on('error', (error: unknown) => scope?.onError(error));
      client.on('ready', () => scope?.onReady());
    } catch (error) {
      s.onError(
        new Error(`redisStore needs the "ioredis" package (${(error as Error)?.message ?? error})`),
      );
    }
  }

  async function connected(): Promise<Redis> {
    if (client?.status === 'ready') return client;
    own ??= import('ioredis').then(({ Redis }) => {
      const c = new Redis(url, CLIENT_OPTIONS);
      // Failures reach the caller as rejected commands; the event only keeps ioredis quiet.
      c.on('error', () => {});
      return c;
    });
    const c = await own;
    if (c.status === 'ready') return c;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        c.off('ready', onReady);
        reject(new Error('Redis is not connected'));
      }, CLIENT_OPTIONS.connectTimeout);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      c.once('ready', onReady);
    });
    return c;
  }

  const connectionKey = (id: string) => `${prefix}:conn:${id}`;

  const connections: ConnectionKeys = {
    async set(connectionId, ids, ttlMs) {
      await (await connected()).set(connectionKey(connectionId), JSON.stringify(ids), 'PX', ttlMs);
    },
    async get(connectionId) {
      const doc = await (await connected()).get(connectionKey(connectionId));
      if (doc === null) return undefined;
      try {
        const parsed = JSON.parse(doc) as unknown;
        return typeof parsed === 'object' && parsed !== null
          ? (parsed as Record<string, string>)
          : undefined;
      } catch {
        return undefined;
      }
    },
    async delete(connectionId) {
      await (await connected()).del(connectionKey(connectionId));
    },
  };

  async function closeOwn(): Promise<void> {
    const pending = own;
    own = undefined;
    if (pending === undefined) return;
    const c = await pending.catch(() => undefined);
    if (c === undefined) return;
    if (c.status !== 'ready') return c.disconnect();
    await c.quit().catch(() => c.disconnect());
  }

  function ready(): Redis {
    if (client?.status !== 'ready') throw new Error('Redis is not connected');
    return client;
  }

  return {
    shared: true,
    open(s) {
      scope = s;
      if (client === undefined) opening = connect(s);
    },
    ready: () => client?.status === 'ready',
    async save(batch: readonly StoreWrite[]) {
      const redis = ready();
      const { liveWindowMs } = scope!;
      const index = indexKey();
      const pipeline = redis.pipeline();
      let newest = 0;
      for (const { session, newRequests } of batch) {
        const key = sessionKey(session.sessionID);
        pipeline.hset(key, 'd', JSON.stringify(session));
        pipeline.hsetnx(key, 'f', session.startTs);
        if (newRequests > 0) pipeline.hincrby(key, 'r', newRequests);
        pipeline.pexpire(key, liveWindowMs);
        // GT: the index keeps the latest activity any instance reported.
        pipeline.zadd(index, 'GT', session.timestamp, session.sessionID);
        newest = Math.max(newest, session.timestamp);
      }
      pipeline.pexpire(index, liveWindowMs);
      pipeline.zremrangebyscore(index, '-inf', `(${newest - liveWindowMs}`);
      check(await pipeline.exec());
    },
    async load(now: number) {
      const redis = ready();
      const { liveWindowMs, maxSessions } = scope!;
      const reply = (await redis.call(
        'ZRANGE',
        indexKey(),
        '+inf',
        String(now - liveWindowMs),
        'BYSCORE',
        'REV',
        'LIMIT',
        '0',
        String(maxSessions),
        'WITHSCORES',
      )) as unknown[];
      // RESP2 answers [id, score, …]; RESP3 (ioredis 6) answers [[id, score], …].
      const flat = reply.flat() as Array<string | number>;
      const pipeline = redis.pipeline();
      for (let i = 0; i < flat.length; i += 2)
        pipeline.hmget(sessionKey(String(flat[i])), 'd', 'r', 'f');
      const results = check(await pipeline.exec());
      const sessions: SessionData[] = [];
      results.forEach(([, fields], i) => {
        const [doc, requests, first] = fields as Array<string | null>;
        const session = fromStored(
          doc ?? null,
          requests ?? null,
          first ?? null,
          Number(flat[2 * i + 1]),
        );
        if (session !== undefined) sessions.push(session);
      });
      return sessions;
    },
    connections: () => connections,
    async close() {
      scope = undefined;
      await closeOwn();
      await opening;
      const c = client;
      client = undefined;
      opening = undefined;
      if (c === undefined) return;
      if (c.status !== 'ready') return c.disconnect();
      closing.add(c);
      await c.quit().catch(() => {
        if (!forced.has(c)) c.disconnect();
      });
      closing.delete(c);
    },
    disconnect() {
      scope = undefined;
      void own?.then(forceDisconnect, () => {});
      own = undefined;
      const current = client;
      client = undefined;
      opening = undefined;
      if (current !== undefined) closing.add(current);
      for (const c of closing) forceDisconnect(c);
      closing.clear();
    },
  };
}
