// A burst of 10,000 captureException calls in one recorded request (issue 3): with the
// default queue (maxQueue 1,000 counts events waiting or in flight) exactly 9,000 are
// dropped; with maxQueue 10,000 all reach the receiver. The event loop must stay free.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startSink } from '../lib/sink.mjs';

const BURST = 10_000;
const IDS = { sessionToken: 'bench.token.1', recordingId: '6f1c2a9e-4b1d-4c55' };

async function burst(maxQueue) {
  const sink = await startSink('replaylink');
  const { captureException, flush, init, runWithContext, stats } = await import('replaylink');
  init({ apiKey: 'bench-key', endpoint: sink.url, ...(maxQueue ? { maxQueue } : {}) });
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const start = process.hrtime.bigint();
  runWithContext(IDS, () => {
    for (let i = 0; i < BURST; i++) captureException(new Error(`burst ${i}`));
  });
  const loop = Number(process.hrtime.bigint() - start) / 1e6;
  const flushed = await flush(120_000);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  delay.disable();
  clearInterval(sampler);
  const delivered = await sink.count();
  await sink.close();
  if (!flushed) throw new Error('the burst was not delivered within 120 s');
  return {
    delivered,
    dropped: stats().dropped.queueFull,
    loop,
    rate: delivered / seconds,
    delay: delay.max / 1e6,
    rss: Math.max(peak, process.memoryUsage.rss()) / (1024 * 1024),
  };
}

function check(config, m) {
  const expected =
    config.id === 'defaultQueue'
      ? { delivered: 1000, dropped: 9000 }
      : { delivered: BURST, dropped: 0 };
  const ok = m.delivered === expected.delivered && m.dropped === expected.dropped;
  return `${ok ? '✓' : '✗'} expected ${expected.delivered.toLocaleString('en-US')} delivered, ${expected.dropped.toLocaleString('en-US')} dropped`;
}

export default {
  kind: 'micro',
  rounds: { quick: 1 },
  title: 'Burst: 10,000 captureException calls in one recorded request',
  intro:
    'All calls run synchronously inside one request context; then `flush()` waits for delivery to the local receiver (another process). Event-loop delay from `monitorEventLoopDelay` (1 ms resolution) over the burst and its delivery; peak RSS sampled every 10 ms. The burst loop column is how long the synchronous loop (10,000 × `new Error` + `captureException`) took; the event-loop delay is what the loop saw while the events were built, serialised and sent.',
  subject: 'queue',
  columns: [
    { key: 'delivered', label: 'delivered' },
    { key: 'dropped', label: 'dropped (queue full)' },
    { key: 'loop', label: 'burst loop (ms)', digits: 1 },
    { key: 'rate', label: 'events/s delivered' },
    { key: 'delay', label: 'max event-loop delay (ms)', digits: 1 },
    { key: 'rss', label: 'peak RSS (MB)' },
  ],
  check,
  configurations: [
    { id: 'defaultQueue', label: 'default queue (maxQueue 1,000)', measure: () => burst() },
    { id: 'maxQueue10000', label: 'maxQueue: 10,000', measure: () => burst(10_000) },
  ],
};
