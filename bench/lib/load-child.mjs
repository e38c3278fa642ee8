// Runs one autocannon measurement per message and answers with its summary.
import autocannon from 'autocannon';

// With `rotate`, each request carries one of that many session tokens in turn.
function rotating(rotate) {
  if (!rotate) return {};
  let n = 0;
  const setupRequest = (req) => {
    req.headers['x-openreplay-sessiontoken'] = `bench.session.${n++ % rotate}`;
    return req;
  };
  return { requests: [{ setupRequest }] };
}

async function measure({ rotate, ...options }) {
  const r = await autocannon({ ...options, ...rotating(rotate) });
  return {
    rps: r.requests.total / (r.duration || 1),
    total: r.requests.total,
    p50: r.latency.p50,
    p99: r.latency.p99,
    max: r.latency.max,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

// A list of options runs them all at once (warming several servers up together).
process.on('message', (options) => {
  const work = Array.isArray(options) ? Promise.all(options.map(measure)) : measure(options);
  work.then(
    (result) => process.send(result),
    (error) => process.send({ error: String(error?.stack ?? error) }),
  );
});
