// Worst-case live search with every cap at its maximum: 10,000 sessions, 50 filters of
// 100 values, each session matching every filter on its last value only (so every value
// of every filter is tried). Prints p50/p99/max of runSearch over RUNS searches.
// Run: node --import tsx bench/live-search-caps.ts
import { parseQuery, runSearch, SEARCH_LIMITS } from '../src/sessions/search.js';
import type { SessionData } from '../src/sessions/session.js';

const now = Date.now();
const sessions: SessionData[] = Array.from({ length: 10_000 }, (_, i) => ({
  sessionID: String(i),
  projectKey: 'p',
  timestamp: now - (i % 1000),
  startTs: now - 60_000,
  requests: 1,
  pageTitle: `Page ${i % 50}`,
  userID: `user-${i}@example.com`,
  userUUID: `uuid-${i}`,
  metadata: { plan: i % 2 ? 'trial' : 'pro' },
  userOs: 'Windows',
  userBrowser: 'Chrome',
  userBrowserVersion: '120.0',
  userDevice: null,
  userDeviceType: 'desktop',
  userCountry: 'FR',
}));
const miss = Array.from({ length: SEARCH_LIMITS.values - 1 }, (_, i) => `zq${i}x`);
const body = {
  filters: Array.from({ length: SEARCH_LIMITS.filters }, () => ({
    type: 'USERID',
    operator: 'contains',
    value: [...miss, '@example'],
  })),
};
const parsed = parseQuery(body);
if (parsed.errors) throw new Error(parsed.errors.join('; '));
const RUNS = Number(process.env.RUNS ?? 100);
const times: number[] = [];
let total = 0;
// A long-running server searches with warm code: the first runs (compilation) are not timed.
for (let i = 0; i < 10; i++) runSearch(sessions, parsed.query, now, 3_600_000);
for (let i = 0; i < RUNS; i++) {
  const t = process.hrtime.bigint();
  total = runSearch(sessions, parsed.query, now, 3_600_000).total;
  times.push(Number(process.hrtime.bigint() - t) / 1e6);
}
times.sort((a, b) => a - b);
const at = (q: number) =>
  times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
console.log(
  `matched ${total}; ${RUNS} runs: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`,
);
