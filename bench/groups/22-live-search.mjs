// Search latency: the reference example query over 10,000 live sessions, one request at
// a time, measured at the client (so HTTP on loopback is included). The client is the
// micro-benchmark's own process; the server runs in another.
import autocannon from 'autocannon';
import { startServer } from '../lib/server.mjs';

const BODY = JSON.stringify({
  filters: [
    { value: ['trial', 'free'], type: 'METADATA', source: 'plan', operator: 'is' },
    { value: ['openreplay'], type: 'USERID', operator: 'contains' },
  ],
  sort: 'timestamp',
  order: 'DESC',
  limit: 10,
  page: 1,
});

async function measure(settings) {
  const file = new URL('../servers/live.mjs', import.meta.url).href;
  const server = await startServer({ file, name: 'search' });
  try {
    const options = {
      url: `http://127.0.0.1:${server.port}/api/v1/bench/assist/sessions`,
      method: 'POST',
      headers: { authorization: 'bench-key', 'content-type': 'application/json' },
      body: BODY,
      connections: 1,
    };
    await autocannon({ ...options, amount: 50 }); // warm-up
    const r = await autocannon({
      ...options,
      amount: Math.max(100, Math.round(2000 * settings.microScale)),
    });
    if (r.errors + r.non2xx > 0) throw new Error(`${r.errors + r.non2xx} search requests failed`);
    return { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max };
  } finally {
    await server.close();
  }
}

export default {
  kind: 'micro',
  rounds: { quick: 1 },
  chart: false,
  title: 'Live sessions search over 10,000 sessions (in memory)',
  intro:
    'The reference example query (metadata `plan` is trial|free, `userID` contains openreplay, newest first, 10 per page), one request at a time, latency at the client over loopback.',
  subject: 'query',
  columns: [
    { key: 'p50', label: 'p50 (ms)', digits: 1 },
    { key: 'p99', label: 'p99 (ms)', digits: 1 },
    { key: 'max', label: 'max (ms)', digits: 1 },
  ],
  configurations: [{ id: 'search', label: 'reference example query', measure }],
};
