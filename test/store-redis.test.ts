import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { ReplayLinkError, redisStore } from '../src/index.js';
import type { SessionStore } from '../src/sessions/store.js';
import { freePort } from './helpers.js';
import { findService, REDIS, startRedis, stopRedis } from './services.js';

// redisStore on its own: its options, and what it makes of data another writer left in a
// shared Redis (another version, a bug, a person with redis-cli).

test('redisStore: keyPrefix is checked at set-up, naming the option', () => {
  const refused = (keyPrefix: unknown) =>
    assert.throws(
      () => redisStore({ url: 'redis://127.0.0.1:6379', keyPrefix } as never),
      (error: unknown) =>
        error instanceof ReplayLinkError && /"redisStore\.keyPrefix"/.test(error.message),
      JSON.stringify(keyPrefix),
    );
  for (const bad of ['', 'a b', 'x*', 'new\nline', '{tag}', 'é', 'k'.repeat(65), 42, null])
    refused(bad);
  for (const good of ['app', 'app:live', 'a.b-c_d:1', 'k'.repeat(64)])
    assert.doesNotThrow(() => redisStore({ url: 'redis://127.0.0.1:6379', keyPrefix: good }), good);
  assert.throws(
    () => redisStore({ url: 'http://127.0.0.1:6379' }),
    (error: unknown) => error instanceof ReplayLinkError && /"redisStore\.url"/.test(error.message),
  );
});

const redisServer = findService(REDIS);

describe('redisStore reading a shared Redis', { skip: redisServer.skip }, () => {
  let redis: ChildProcess;
  let url: string;
  before(async () => {
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redis = await startRedis(redisServer.command!, port);
  });
  after(async () => {
    await stopRedis(redis);
  });

  /** Opens `store` for project `p` and resolves once it is connected. */
  async function opened(store: SessionStore): Promise<unknown[]> {
    const errors: unknown[] = [];
    await new Promise<void>((resolve) =>
      store.open({
        projectKey: 'p',
        liveWindowMs: 60_000,
        maxSessions: 100,
        onError: (error) => errors.push(error),
        onReady: resolve,
      }),
    );
    return errors;
  }

  test('malformed entries are skipped or cleaned, never thrown or trusted', async () => {
    const store = redisStore({ url, keyPrefix: 'shared:t1' });
    const errors = await opened(store);
    const raw = new Redis(url);
    try {
      const now = Date.now();
      const key = (id: string) => `shared:t1:p:s:${id}`;
      const valid = {
        sessionID: 'ok-1',
        projectKey: 'p',
        userOs: 'Linux',
        metadata: { plan: 'pro' },
      };
      const entries: Array<[string, Record<string, string>]> = [
        ['not-json', { d: '{"sessionID":', r: '1', f: '1' }],
        ['no-id', { d: JSON.stringify({ projectKey: 'p' }), r: '1' }],
        ['id-not-string', { d: JSON.stringify({ sessionID: 42 }) }],
        ['array', { d: '["sessionID"]' }],
        ['null', { d: 'null' }],
        ['no-doc', { r: '3' }],
        [
          'hostile',
          {
            d: JSON.stringify({
              sessionID: 'hostile',
              userOs: { toString: 'x' },
              userCountry: 7,
              metadata: JSON.parse('{"__proto__":{"polluted":"yes"},"constructor":"c","plan":"x"}'),
            }),
            r: 'many',
            f: 'yesterday',
          },
        ],
        ['ok-1', { d: JSON.stringify(valid), r: '4', f: String(now - 5000) }],
      ];
      for (const [id, fields] of entries) {
        if (Object.keys(fields).length > 0) await raw.hset(key(id), fields);
        await raw.zadd('shared:t1:p:index', now, id);
      }
      // An index entry whose hash expired.
      await raw.zadd('shared:t1:p:index', now, 'gone');

      const sessions = await store.load(now);
      const byId = new Map(sessions.map((s) => [s.sessionID, s]));
      assert.deepEqual([...byId.keys()].sort(), ['hostile', 'ok-1']);
      const ok = byId.get('ok-1')!;
      assert.deepEqual(
        [ok.requests, ok.startTs, ok.userOs, { ...ok.metadata }],
        [4, now - 5000, 'Linux', { plan: 'pro' }],
      );
      const hostile = byId.get('hostile')!;
      assert.equal(hostile.requests, 0, 'a count that is not a number');
      assert.equal(hostile.startTs, now, 'a start that is not a number');
      assert.equal(hostile.userOs, null);
      assert.equal(hostile.userCountry, null);
      assert.deepEqual({ ...hostile.metadata }, { plan: 'x' });
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.deepEqual(errors, []);
    } finally {
      raw.disconnect();
      await store.close();
    }
  });
});
