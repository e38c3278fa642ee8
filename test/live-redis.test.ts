import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { Stats } from '../src/index.js';
import { freePort, type Reply, request } from './helpers.js';
import { API_KEY, api, UA, type Visitor, visitorHeaders } from './live-helpers.js';
import { findService, REDIS, startRedis, stopRedis } from './services.js';

// Two app instances (separate processes, as in production) share one real redis-server
// started on a free loopback port; the test kills and restarts it. Without redis-server on
// PATH the suite is skipped with one line saying so (REPLAYLINK_REQUIRE_REDIS=1 fails instead).

const redisServer = findService(REDIS);

interface Instance {
  child: ChildProcess;
  url: string;
  call(cmd: 'flush' | 'stats'): Promise<{ ok: boolean; stats: Stats }>;
}

async function startInstance(redisUrl: string): Promise<Instance> {
  const child = fork(new URL('./fixtures/live-instance.ts', import.meta.url), [redisUrl], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [{ port }] = (await once(child, 'message')) as [{ port: number }];
  let next = 0;
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    async call(cmd) {
      const id = ++next;
      child.send({ id, cmd });
      for (;;) {
        const [m] = (await once(child, 'message')) as [{ id: number; ok: boolean; stats: Stats }];
        if (m.id === id) return m;
      }
    },
  };
}

const visitors: Record<string, Visitor> = {
  s1: { label: 's1', token: 'shared-tok.1', ua: UA.chromeWindows },
  s2: { label: 's2', token: 'shared-tok.2', sessionId: '8002', ua: UA.safariIphone },
  s3: { label: 's3', token: 'shared-tok.3', ua: UA.firefoxMac },
  s4: { label: 's4', token: 'shared-tok.4', sessionId: '8004', ua: UA.chromePixel },
};

async function browse(instance: Instance, v: Visitor): Promise<void> {
  const reply = await request(`${instance.url}/page`, { headers: visitorHeaders(v) });
  assert.equal(reply.status, 200);
}

interface Listed {
  total: number;
  sessions: Array<{ sessionID: string; userBrowser: string; requests: number }>;
}
const list = (reply: Reply): Listed => {
  assert.equal(reply.status, 200, reply.body);
  return (JSON.parse(reply.body) as { data: Listed }).data;
};
const browsers = (l: Listed) => l.sessions.map((s) => s.userBrowser).sort();

describe('live sessions shared through a real redis-server', { skip: redisServer.skip }, () => {
  let port: number;
  let redis: ChildProcess;
  let a: Instance;
  let b: Instance;
  const bodies: string[] = [];

  before(async () => {
    port = await freePort();
    redis = await startRedis(redisServer.command!, port);
    a = await startInstance(`redis://127.0.0.1:${port}`);
    b = await startInstance(`redis://127.0.0.1:${port}`);
  });

  after(async () => {
    for (const i of [a, b]) {
      if (i === undefined || i.child.exitCode !== null) continue;
      // Disconnecting lets the instance exit by itself (and write its coverage); a kill
      // after 10 s bounds the wait.
      const exited = once(i.child, 'exit');
      const killer = setTimeout(() => i.child.kill('SIGKILL'), 10_000);
      i.child.disconnect();
      await exited;
      clearTimeout(killer);
    }
    if (redis) await stopRedis(redis);
    for (const v of Object.values(visitors))
      if (v.token) assert.ok(!bodies.join('').includes(v.token), 'a token reached a response');
  });

  test('a session seen on instance A is found through instance B', {
    timeout: 30_000,
  }, async () => {
    await browse(a, visitors.s1!);
    await browse(b, visitors.s2!);
    await browse(b, visitors.s1!); // the same browser on both instances
    assert.ok((await a.call('flush')).ok);
    assert.ok((await b.call('flush')).ok);
    for (const instance of [a, b]) {
      const reply = await api(instance.url);
      bodies.push(reply.body);
      const listed = list(reply);
      assert.deepEqual(browsers(listed), ['Chrome', 'Mobile Safari']);
      const s1 = listed.sessions.find((s) => s.userBrowser === 'Chrome')!;
      assert.equal(s1.requests, 2, 'requests add up across instances');
    }
    const one = await request(`${b.url}/api/v1/web-app/assist/sessions/8002`, {
      headers: { authorization: API_KEY },
    });
    assert.equal(one.status, 200);
  });

  test('Redis slow: requests are served, the API answers from local state', {
    timeout: 30_000,
  }, async () => {
    const before = (await b.call('stats')).stats.liveSessions.localReads;
    const admin = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true });
    await admin.connect();
    try {
      // Every client's commands now wait 3 s: longer than the API's read wait.
      await admin.call('CLIENT', 'PAUSE', '3000', 'ALL');
      await browse(b, visitors.s2!);
      const listed = list(await api(b.url));
      assert.deepEqual(browsers(listed), ['Chrome', 'Mobile Safari']); // what B saw itself
      const { stats } = await b.call('stats');
      assert.equal(stats.liveSessions.localReads, before + 1);
    } finally {
      admin.disconnect();
    }
  });

  test('Redis killed: both apps keep serving, the API answers from local state', {
    timeout: 30_000,
  }, async () => {
    await stopRedis(redis);
    await browse(a, visitors.s3!);
    await browse(b, visitors.s4!);
    const fromA = list(await api(a.url));
    const fromB = list(await api(b.url));
    bodies.push(JSON.stringify([fromA, fromB]));
    // Each instance still knows what it saw itself.
    assert.deepEqual(browsers(fromA), ['Chrome', 'Firefox']);
    assert.deepEqual(browsers(fromB), ['Chrome', 'Chrome', 'Mobile Safari']);
    const { stats } = await a.call('stats');
    assert.ok(stats.liveSessions.localReads >= 1);
    assert.ok(stats.liveSessions.storeErrors >= 1);
    for (const i of [a, b]) assert.equal(i.child.exitCode, null, 'the app process is alive');
  });

  test('Redis back: sharing resumes, including sessions seen while it was down', {
    timeout: 30_000,
  }, async () => {
    redis = await startRedis(redisServer.command!, port);
    assert.ok((await a.call('flush')).ok);
    assert.ok((await b.call('flush')).ok);
    const fromB = list(await api(b.url));
    const fromA = list(await api(a.url));
    bodies.push(JSON.stringify([fromA, fromB]));
    assert.deepEqual(browsers(fromB), ['Chrome', 'Chrome', 'Firefox', 'Mobile Safari']);
    assert.deepEqual(browsers(fromA), ['Chrome', 'Chrome', 'Firefox', 'Mobile Safari']);
  });
});
