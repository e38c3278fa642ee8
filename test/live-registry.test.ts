import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import { contextFromRequest } from '../src/core/context.js';
import type { InternalContext } from '../src/core/model.js';
import { kPrefix } from '../src/core/symbols.js';
import { ReplayLinkError, stats } from '../src/index.js';
import { type LiveSessionsOptions, resolveLiveSessions } from '../src/sessions/options.js';
import { createRegistry, type Registry } from '../src/sessions/registry.js';
import { type SessionData, toLiveSession } from '../src/sessions/session.js';
import { UA } from './live-helpers.js';

// These tests drive the registry the way the request observer is called, with contexts
// built from real header sets, so that time is given explicitly rather than waited for.
function registry(options: Partial<LiveSessionsOptions> = {}): Registry {
  return createRegistry(resolveLiveSessions({ projectKey: 'web-app', ...options })!);
}

function hit(
  r: Registry,
  headers: IncomingHttpHeaders,
  at: number,
): { res: EventEmitter; context: InternalContext } {
  // The context itself, not a copy: its id and prefix are made on first read.
  const context = contextFromRequest(headers, 'GET', '/');
  (context as { startedAt: number }).startedAt = at;
  const res = new EventEmitter();
  const req = { headers } as IncomingMessage;
  r.observe(context, {
    req,
    res: res as unknown as ServerResponse,
    routeOf: undefined,
    error: undefined,
  });
  return { res, context };
}

async function all(r: Registry, now: number): Promise<SessionData[]> {
  return [...(await r.sessions(now))];
}

const T0 = 1_700_000_000_000;

describe('bounds', () => {
  test('100,000 distinct tokens stay within maxSessions; the least recently seen go first', async () => {
    const r = registry();
    const before = stats().liveSessions.evicted;
    for (let i = 0; i < 100_000; i++)
      hit(r, { 'x-openreplay-sessiontoken': `tok.${i}`, 'user-agent': UA.chromeWindows }, T0 + i);
    assert.equal(r.size(), 10_000);
    assert.equal(stats().liveSessions.evicted - before, 90_000);
    const kept = await all(r, T0 + 100_000);
    assert.equal(kept.length, 10_000);
    assert.equal(Math.min(...kept.map((s) => s.timestamp)), T0 + 90_000);
    await r.stop();
  });

  test('a session seen again is moved to the recent end and survives eviction', async () => {
    const r = registry({ maxSessions: 3 });
    const token = (t: string) => ({ 'x-openreplay-sessiontoken': t });
    hit(r, token('a'), T0);
    hit(r, token('b'), T0 + 1);
    hit(r, token('c'), T0 + 2);
    hit(r, token('a'), T0 + 2_000); // a refresh (≥ 1 s later) moves it
    hit(r, token('d'), T0 + 2_001);
    const ids = (await all(r, T0 + 2_001)).map((s) => s.timestamp).sort();
    assert.deepEqual(ids, [T0 + 2, T0 + 2_000, T0 + 2_001]); // b went, a stayed
    await r.stop();
  });

  test('sessions not seen within liveWindowMs are not live', async () => {
    const r = registry({ liveWindowMs: 5_000 });
    hit(r, { 'x-openreplay-session-id': '1' }, T0);
    hit(r, { 'x-openreplay-session-id': '2' }, T0 + 3_000);
    assert.deepEqual(
      (await all(r, T0 + 6_000)).map((s) => s.sessionID),
      ['2'],
    );
    await r.stop();
  });
});

describe('per-request work', () => {
  test('each request updates timestamp and count; parsing happens at most once a second', async () => {
    const r = registry();
    const session = { 'x-openreplay-session-id': '42', 'x-openreplay-sessiontoken': 'tok.42' };
    hit(r, { ...session, 'user-agent': UA.chromeWindows }, T0);
    hit(r, { ...session, 'user-agent': UA.firefoxMac }, T0 + 500);
    let [s] = await all(r, T0 + 500);
    assert.deepEqual([s?.userBrowser, s?.requests, s?.timestamp], ['Chrome', 2, T0 + 500]);
    hit(r, { ...session, 'user-agent': UA.firefoxMac }, T0 + 1_000);
    [s] = await all(r, T0 + 1_000);
    assert.deepEqual([s?.userBrowser, s?.requests, s?.startTs], ['Firefox', 3, T0]);
    await r.stop();
  });

  test("a bare session id cannot take over another user's session: timestamp only", async () => {
    const r = registry({ identify: (req) => String(req.headers['x-user']) });
    const owner = {
      'x-openreplay-session-id': '4242',
      'x-openreplay-sessiontoken': 'owner.token',
      'x-user': 'alice',
      'user-agent': UA.chromeWindows,
    };
    hit(r, owner, T0).res.emit('finish');
    const attacks: IncomingHttpHeaders[] = [
      { 'x-openreplay-session-id': '4242', 'x-user': 'mallory', 'user-agent': UA.firefoxMac },
      {
        'x-openreplay-session-id': '4242',
        'x-openreplay-sessiontoken': 'mallory.token',
        'x-user': 'mallory',
        'user-agent': UA.firefoxMac,
      },
    ];
    let at = T0;
    for (const headers of attacks) {
      at += 2_000; // past the refresh interval, so a refresh would happen if allowed
      hit(r, headers, at).res.emit('finish');
    }
    const [s] = await all(r, at);
    assert.deepEqual(
      [s?.userID, s?.userBrowser, s?.requests, s?.timestamp],
      ['alice', 'Chrome', 1, at],
    );
    hit(r, { ...owner, 'x-user': 'alice2' }, at + 2_000).res.emit('finish');
    const [again] = await all(r, at + 2_000);
    assert.equal(again?.userID, 'alice2', 'the token holder still updates it');
    await r.stop();
  });

  test('a first claim binds an unseen id to the claimant, and touches nothing but the registry', async () => {
    const r = registry({ identify: (req) => String(req.headers['x-user']) });
    // A bare id claims nothing: the first request with a token still binds it.
    hit(r, { 'x-openreplay-session-id': '777', 'x-user': 'nobody' }, T0).res.emit('finish');
    const mallory = {
      'x-openreplay-session-id': '777',
      'x-openreplay-sessiontoken': 'mallory.token',
      'x-user': 'mallory',
    };
    hit(r, mallory, T0 + 2_000).res.emit('finish');
    const owner = {
      'x-openreplay-session-id': '777',
      'x-openreplay-sessiontoken': 'owner.token',
      'x-user': 'alice',
    };
    const { res, context } = hit(r, owner, T0 + 4_000);
    res.emit('finish');
    const [s] = await all(r, T0 + 4_000);
    assert.equal(s?.userID, 'mallory', 'the claim holds in the live registry');
    assert.equal(s?.timestamp, T0 + 4_000, 'the owner still keeps it live');
    // What is stamped and forwarded comes from each request's own headers, never the registry.
    assert.equal(context.sessionToken, 'owner.token');
    assert.match(context[kPrefix], /^\[openReplaySessionToken=owner\.token\] /);
    await r.stop();
  });

  test('identify and metadata run when the request finishes, at most once a second', async () => {
    let calls = 0;
    const r = registry({
      identify: () => `user-${++calls}`,
      metadata: () => ({ plan: 'pro' }),
    });
    const session = { 'x-openreplay-sessiontoken': 'tok.1' };
    const first = hit(r, session, T0);
    assert.equal(calls, 0, 'not before the request ends (auth middleware has not run yet)');
    first.res.emit('finish');
    const second = hit(r, session, T0 + 10);
    second.res.emit('finish');
    assert.equal(calls, 1);
    const third = hit(r, session, T0 + 1_010);
    third.res.emit('finish');
    assert.equal(calls, 2);
    const [s] = await all(r, T0 + 1_010);
    assert.equal(s?.userID, 'user-2');
    assert.equal(s?.metadata.plan, 'pro');
    await r.stop();
  });

  test('sessionID: OpenReplay id when sent, else a stable hash of the token, never the token', async () => {
    const a = registry();
    const b = registry();
    hit(a, { 'x-openreplay-sessiontoken': 'secret.token' }, T0);
    hit(b, { 'x-openreplay-sessiontoken': 'secret.token' }, T0);
    hit(a, { 'x-openreplay-sessiontoken': 'secret.token', 'x-openreplay-session-id': '77' }, T0);
    const [fromA] = (await all(a, T0)).filter((s) => s.sessionID !== '77');
    const [fromB] = await all(b, T0);
    assert.match(fromA!.sessionID, /^[0-9a-f]{32}$/);
    assert.equal(fromA!.sessionID, fromB!.sessionID);
    const shown = (await all(a, T0)).map((s) => toLiveSession(s, T0, 60_000));
    assert.ok(!JSON.stringify(shown).includes('secret'));
    await a.stop();
    await b.stop();
  });

  test('requests without a correlation id register nothing', async () => {
    const r = registry();
    hit(r, { 'user-agent': UA.chromeWindows }, T0);
    hit(r, { 'x-openreplay-sessiontoken': 'bad token' }, T0);
    assert.equal(r.size(), 0);
    await r.stop();
  });
});

describe('options', () => {
  const table: Array<[string, unknown, RegExp]> = [
    ['not an object', 'yes', /"liveSessions" is "yes"/],
    ['without projectKey', {}, /"liveSessions.projectKey"/],
    ['a projectKey with a slash', { projectKey: 'a/b' }, /"liveSessions.projectKey" is "a\/b"/],
    [
      'liveWindowMs 0',
      { projectKey: 'p', liveWindowMs: 0 },
      /"liveSessions.liveWindowMs" is 0; expected an integer from 1000/,
    ],
    ['maxSessions 1.5', { projectKey: 'p', maxSessions: 1.5 }, /"liveSessions.maxSessions"/],
    ['a store of the wrong shape', { projectKey: 'p', store: {} }, /"liveSessions.store"/],
    ['identify not a function', { projectKey: 'p', identify: 'user' }, /"liveSessions.identify"/],
    [
      'a bad header name',
      { projectKey: 'p', countryHeader: 'cf country' },
      /"liveSessions.countryHeader"/,
    ],
    [
      'an unknown key',
      { projectKey: 'p', maxsessions: 5 },
      /"liveSessions.maxsessions".*no such option/,
    ],
  ];
  for (const [name, value, message] of table) {
    test(`refused at set-up: ${name}`, () => {
      assert.throws(
        () => resolveLiveSessions(value),
        (e: unknown) => e instanceof ReplayLinkError && message.test(e.message),
      );
    });
  }
});
