import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { close } from '../src/index.js';
import { request, type Served, serve } from './helpers.js';
import { API_KEY, api, liveApp, PROJECT, TOKENS, VISITORS, visit } from './live-helpers.js';

interface Session {
  sessionID: string;
  metadata: Record<string, string>;
  [field: string]: unknown;
}
interface Found {
  total: number;
  sessions: Session[];
}

let server: Served;
const replies: string[] = [];

async function search(body: unknown): Promise<Found> {
  const reply = await api(server.url, '', 'POST', body);
  replies.push(reply.body);
  assert.equal(reply.status, 200, reply.body);
  return (JSON.parse(reply.body) as { data: Found }).data;
}
const labels = (found: Found) => found.sessions.map((s) => s.metadata.label).sort();

before(async () => {
  const live = liveApp();
  server = await serve(live.app);
  await visit(server.url, live, VISITORS);
});
after(async () => {
  await server.close();
  await close();
  // No raw token in anything the API answered during this file.
  const all = replies.join('\n');
  for (const token of TOKENS) assert.ok(!all.includes(token), `token ${token} leaked`);
});

describe('filters', () => {
  const table: Array<[string, unknown[], string[]]> = [
    [
      "the reference's own example: metadata plan is trial|free AND userID contains openreplay",
      [
        { value: ['trial', 'free'], type: 'METADATA', source: 'plan', operator: 'is' },
        { value: ['openreplay'], type: 'USERID', operator: 'contains' },
      ],
      ['s1', 's5'],
    ],
    ['no filters: every live session', [], ['s1', 's2', 's3', 's4', 's5', 's6']],
    [
      'type is case-insensitive',
      [{ type: 'userbrowser', value: ['Chrome'], operator: 'is' }],
      ['s1', 's4'],
    ],
    [
      'is: case-insensitive equality',
      [{ type: 'USERBROWSER', value: ['CHROME'], operator: 'is' }],
      ['s1', 's4'],
    ],
    ['is: never a substring', [{ type: 'USERID', value: ['alice'], operator: 'is' }], []],
    ['contains is the default operator', [{ type: 'USERID', value: ['ALICE'] }], ['s1']],
    [
      'contains: case-insensitive substring',
      [{ type: 'USERBROWSER', value: ['safari'], operator: 'contains' }],
      ['s3', 's5'],
    ],
    [
      'values are OR-ed',
      [{ type: 'USEROS', value: ['ios', 'android'], operator: 'is' }],
      ['s3', 's4', 's5'],
    ],
    [
      'filters are AND-ed',
      [
        { type: 'USEROS', value: ['iOS'], operator: 'is' },
        { type: 'USERCOUNTRY', value: ['fr'], operator: 'is' },
      ],
      ['s5'],
    ],
    ['userId names userID', [{ type: 'userId', value: ['bob'] }], ['s2']],
    ['userAnonymousId names userUUID', [{ type: 'userAnonymousId', value: ['anon'] }], ['s4']],
    [
      'platform names userDeviceType',
      [{ type: 'PLATFORM', value: ['mobile'], operator: 'is' }],
      ['s3', 's4'],
    ],
    ['platform: tablet', [{ type: 'platform', value: ['tablet'], operator: 'is' }], ['s5']],
    [
      'userDeviceType is desktop when the parser names none',
      [{ type: 'userDeviceType', value: ['desktop'], operator: 'is' }],
      ['s1', 's2', 's6'],
    ],
    ['userDevice from the user agent', [{ type: 'USERDEVICE', value: ['pixel'] }], ['s4']],
    [
      'userBrowserVersion',
      [{ type: 'userBrowserVersion', value: ['127.0'], operator: 'is' }],
      ['s2'],
    ],
    [
      'value [] matches sessions that have the attribute',
      [{ type: 'USERID', value: [] }],
      ['s1', 's2', 's3', 's5'],
    ],
    [
      'value [] on metadata',
      [{ type: 'METADATA', source: 'plan', value: [] }],
      ['s1', 's2', 's3', 's4', 's5'],
    ],
    ['value omitted is []', [{ type: 'USERCOUNTRY' }], ['s1', 's2', 's3', 's5']],
    [
      'METADATA type is case-insensitive',
      [{ type: 'metadata', source: 'plan', value: ['PRO'], operator: 'is' }],
      ['s3'],
    ],
    [
      'metadata source is a key, matched exactly',
      [{ type: 'METADATA', source: 'pla', value: [] }],
      [],
    ],
    [
      '__proto__ as a metadata source matches nothing',
      [{ type: 'METADATA', source: '__proto__', value: [] }],
      [],
    ],
    [
      'numbers in value are compared as text',
      [{ type: 'sessionID', value: [7001, 7003], operator: 'is' }],
      ['s1', 's3'],
    ],
    [
      'country codes are upper-cased from the header',
      [{ type: 'userCountry', value: ['FR'], operator: 'is' }],
      ['s1', 's5'],
    ],
    ['pageTitle from the configured header', [{ type: 'pageTitle', value: ['check'] }], ['s1']],
    [
      'projectKey',
      [{ type: 'projectKey', value: [PROJECT], operator: 'is' }],
      ['s1', 's2', 's3', 's4', 's5', 's6'],
    ],
    [
      'live',
      [{ type: 'LIVE', value: ['true'], operator: 'is' }],
      ['s1', 's2', 's3', 's4', 's5', 's6'],
    ],
  ];
  for (const [name, filters, expected] of table) {
    test(name, async () => {
      const found = await search({ filters });
      assert.deepEqual(labels(found), expected);
      assert.equal(found.total, expected.length);
    });
  }
});

describe('sort and pages', () => {
  const values = (found: Found, key: string) => found.sessions.map((s) => s[key]);

  test('default: timestamp, newest first', async () => {
    const ts = values(await search({}), 'timestamp') as number[];
    assert.equal(ts.length, 6);
    assert.deepEqual(
      ts,
      [...ts].sort((a, b) => b - a),
    );
  });

  test('ASC in any case is oldest first', async () => {
    const ts = values(await search({ order: 'asc' }), 'timestamp') as number[];
    assert.deepEqual(
      ts,
      [...ts].sort((a, b) => a - b),
    );
  });

  test('DESC is really descending for string keys, missing values last', async () => {
    const found = await search({ sort: 'userCountry', order: 'DESC' });
    assert.deepEqual(values(found, 'userCountry'), ['US', 'FR', 'FR', 'DE', null, null]);
  });

  test('ASC on string keys, missing values still last', async () => {
    const found = await search({ sort: 'USERID', order: 'ASC' });
    assert.deepEqual(values(found, 'userID'), [
      'alice@openreplay.com',
      'bob@example.com',
      'carol@openreplay.com',
      'dave@OpenReplay.com',
      null,
      null,
    ]);
  });

  test('numbers sort as numbers', async () => {
    const found = await search({ sort: 'requests', order: 'DESC', limit: 2 });
    assert.deepEqual(values(found, 'requests'), [12, 9]);
  });

  test('aliases sort like the attribute they name', async () => {
    const found = await search({ sort: 'platform', order: 'ASC' });
    assert.deepEqual(values(found, 'userDeviceType'), [
      'desktop',
      'desktop',
      'desktop',
      'mobile',
      'mobile',
      'tablet',
    ]);
  });

  test('total counts matches before paging; pages do not overlap', async () => {
    const seen: string[] = [];
    for (const page of [1, 2, 3]) {
      const found = await search({ limit: 2, page });
      assert.equal(found.total, 6);
      assert.equal(found.sessions.length, 2);
      seen.push(...found.sessions.map((s) => s.sessionID));
    }
    assert.equal(new Set(seen).size, 6);
    const beyond = await search({ limit: 2, page: 4 });
    assert.deepEqual(beyond, { total: 6, sessions: [] });
  });

  test('limit defaults to 200 and page to 1', async () => {
    assert.equal((await search({})).sessions.length, 6);
  });
});

describe('requests that are refused', () => {
  const table: Array<[string, unknown, Array<string | RegExp>]> = [
    ['malformed JSON', '{"filters": [', ['body: malformed JSON']],
    ['a body that is not an object', '[1,2]', ['body: expected a JSON object']],
    ['filters not an array', { filters: 'USERID' }, ['filters: expected an array']],
    ['a filter that is not an object', { filters: ['USERID'] }, ['filters[0]: expected an object']],
    [
      'a filter without type',
      { filters: [{ value: ['x'] }] },
      ['filters[0].type: expected an attribute name'],
    ],
    [
      'a string value is refused, never iterated',
      { filters: [{ type: 'USERID', value: 'openreplay' }] },
      ['filters[0].value: expected an array of strings'],
    ],
    [
      'a value holding an object',
      { filters: [{ type: 'USERID', value: [{}] }] },
      ['filters[0].value: expected an array of strings'],
    ],
    [
      'operator is case-sensitive',
      { filters: [{ type: 'USERID', operator: 'IS' }] },
      ['filters[0].operator: expected "is" or "contains"'],
    ],
    [
      'an unknown operator',
      { filters: [{ type: 'USERID', operator: 'equals' }] },
      ['filters[0].operator: expected "is" or "contains"'],
    ],
    [
      'METADATA without source',
      { filters: [{ type: 'METADATA', value: ['trial'] }] },
      ['filters[0].source: required when type is METADATA'],
    ],
    ['page 0', { page: 0 }, ['page: expected an integer of at least 1']],
    ['page 1.5', { page: 1.5 }, ['page: expected an integer of at least 1']],
    ['page as words', { page: 'two' }, ['page: expected an integer of at least 1']],
    ['limit 0', { limit: 0 }, ['limit: expected an integer from 1 to 200']],
    ['limit 201', { limit: 201 }, ['limit: expected an integer from 1 to 200']],
    ['an unknown order', { order: 'newest' }, ['order: expected "ASC" or "DESC"']],
    [
      'an unknown sort key',
      { sort: 'shoeSize' },
      ['sort: expected the name of a session attribute'],
    ],
    [
      'an unknown type (a typo), naming it and the accepted types',
      { filters: [{ type: 'userid_', value: ['alice'] }] },
      [
        'filters[0].type: unknown type "userid_"; expected one of pageTitle, sessionID, userID, userUUID, projectKey, revID, timestamp, trackerVersion, isSnippet, userOs, userBrowser, userBrowserVersion, userDevice, userDeviceType, userCountry, active, live, projectId, startTs, requests, userAnonymousId, platform, METADATA',
      ],
    ],
    [
      'a part of a name is not a type',
      { filters: [{ type: 'user', value: [] }] },
      [/^filters\[0\]\.type: unknown type "user"; expected one of /],
    ],
    [
      '__proto__ as a type',
      { filters: [{ type: '__proto__', value: [] }] },
      [/^filters\[0\]\.type: unknown type "__proto__"/],
    ],
    [
      'every problem is named at once',
      { filters: [{ type: 'METADATA', operator: 'is', value: 'x' }], limit: 500 },
      [
        'filters[0].value: expected an array of strings',
        'filters[0].source: required when type is METADATA',
        'limit: expected an integer from 1 to 200',
      ],
    ],
  ];
  for (const [name, body, errors] of table) {
    test(`400 for ${name}`, async () => {
      const reply = await api(server.url, '', 'POST', body);
      assert.equal(reply.status, 400);
      const got = (JSON.parse(reply.body) as { errors: string[] }).errors;
      assert.equal(got.length, errors.length, reply.body);
      for (const [i, expected] of errors.entries()) {
        if (typeof expected === 'string') assert.equal(got[i], expected);
        else assert.match(got[i] ?? '', expected);
      }
    });
  }
});

describe('the other routes', () => {
  test('GET lists every live session with the fields of the Assist API', async () => {
    const reply = await api(server.url);
    replies.push(reply.body);
    assert.equal(reply.status, 200);
    assert.match(reply.headers['content-type'] ?? '', /^application\/json/);
    const { data } = JSON.parse(reply.body) as { data: Found };
    assert.equal(data.total, 6);
    const s1 = data.sessions.find((s) => s.sessionID === '7001')!;
    assert.deepEqual(Object.keys(s1).slice(0, 19), [
      'pageTitle',
      'sessionID',
      'metadata',
      'userID',
      'userUUID',
      'projectKey',
      'revID',
      'timestamp',
      'trackerVersion',
      'isSnippet',
      'userOs',
      'userBrowser',
      'userBrowserVersion',
      'userDevice',
      'userDeviceType',
      'userCountry',
      'active',
      'live',
      'projectId',
    ]);
    assert.equal(s1.userOs, 'Windows');
    assert.equal(s1.userBrowser, 'Chrome');
    assert.equal(s1.userCountry, 'FR');
    assert.equal(s1.active, true);
    assert.equal(s1.live, true);
    // Without OpenReplay's numeric id, the id is a hash of the token — never the token.
    const s2 = data.sessions.find((s) => s.metadata.label === 's2')!;
    assert.match(s2.sessionID, /^[0-9a-f]{32}$/);
    assert.equal(s2.requests, 12);
  });

  test('GET ?userId= lists the sessions whose user id contains it, case-insensitive', async () => {
    const get = async (query: string) => {
      const reply = await request(`${server.url}/api/v1/${PROJECT}/assist/sessions?${query}`, {
        headers: { authorization: API_KEY },
      });
      replies.push(reply.body);
      assert.equal(reply.status, 200, reply.body);
      return (JSON.parse(reply.body) as { data: Found }).data;
    };
    assert.deepEqual(labels(await get('userId=OPENREPLAY')), ['s1', 's3', 's5']);
    assert.deepEqual(labels(await get('userId=bob%40example.com')), ['s2']);
    assert.deepEqual(labels(await get('userId=alice&userId=carol')), ['s1', 's3']);
    assert.deepEqual(await get('userId=nobody'), { total: 0, sessions: [] });
    assert.equal((await get('userId=')).total, 6, 'an empty userId filters nothing');
  });

  test('GET one session by id; 404 when not live', async () => {
    const one = await api(server.url, '/7003');
    replies.push(one.body);
    assert.equal(one.status, 200);
    const { data } = JSON.parse(one.body) as { data: Session };
    assert.equal(data.sessionID, '7003');
    assert.equal(data.userDevice, 'iPhone');
    const missing = await api(server.url, '/9999');
    assert.equal(missing.status, 404);
    assert.deepEqual(JSON.parse(missing.body), { errors: ['session not found.'] });
  });

  test('autocomplete: distinct values containing q, case-insensitive', async () => {
    const get = (query: string) =>
      request(`${server.url}/api/v1/${PROJECT}/assist/autocomplete?${query}`, {
        headers: { authorization: API_KEY },
      });
    const browsers = await get('key=userBrowser&q=SAF');
    assert.equal(browsers.status, 200);
    assert.deepEqual(JSON.parse(browsers.body), {
      data: [{ type: 'userBrowser', value: 'Mobile Safari' }],
    });
    const plans = JSON.parse((await get('key=METADATA&source=plan')).body) as {
      data: Array<{ value: string }>;
    };
    assert.deepEqual(
      plans.data.map((d) => d.value),
      ['Trial', 'free', 'pro', 'trial'],
    );
    const bad = await get('q=x');
    assert.equal(bad.status, 400);
    assert.deepEqual(JSON.parse(bad.body), {
      errors: ['key: expected the name of a session attribute'],
    });
    const noSource = await get('key=metadata');
    assert.deepEqual(JSON.parse(noSource.body), {
      errors: ['source: required when key is METADATA'],
    });
  });
});
