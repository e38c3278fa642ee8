// The cost of captureException in a recorded request: the call alone (the event is only
// queued; building and sending happen later in the transport), and capture + delivery
// to replaylink's local receiver running in another process (until flush() resolves).
import { startSink } from '../lib/sink.mjs';

const BATCH = 500;
const IDS = { sessionToken: 'bench.token.1', recordingId: '6f1c2a9e-4b1d-4c55' };

async function forwarding() {
  const sink = await startSink('replaylink');
  const replaylink = await import('replaylink');
  replaylink.init({ apiKey: 'bench-key', endpoint: sink.url, maxQueue: 100_000 });
  return { sink, ...replaylink };
}

const errors = () => Array.from({ length: BATCH }, (_, i) => new Error(`order ${i} failed`));
const batches = (settings) => Math.max(2, Math.round(40 * settings.microScale));

/** Times `batches` batches; `delivered` also waits, timed, until the receiver has them. */
async function measure(settings, delivered) {
  const { sink, captureException, flush, runWithContext } = await forwarding();
  let ns = 0;
  let events = 0;
  for (let b = 0; b < batches(settings) + 1; b++) {
    const batch = errors();
    const start = process.hrtime.bigint();
    runWithContext(IDS, () => {
      for (const error of batch) captureException(error);
    });
    if (delivered) await flush(30_000);
    const elapsed = Number(process.hrtime.bigint() - start);
    if (!delivered) await flush(30_000);
    if (b === 0) continue; // warm-up batch
    ns += elapsed;
    events += BATCH;
  }
  const received = await sink.count();
  await sink.close();
  if (received !== events + BATCH) throw new Error(`receiver got ${received} of ${events + BATCH}`);
  return { us: ns / events / 1000, rate: events / (ns / 1e9) };
}

export default {
  kind: 'micro',
  rounds: { quick: 1 },
  title: 'Micro: captureException in a recorded request (batches of 500 errors)',
  subject: 'measured',
  columns: [
    { key: 'us', label: 'µs/event', digits: 2 },
    { key: 'rate', label: 'events/s' },
  ],
  configurations: [
    { id: 'capture', label: 'capture only (queued)', measure: (s) => measure(s, false) },
    {
      id: 'delivery',
      label: 'capture + delivery to the local receiver',
      measure: (s) => measure(s, true),
    },
  ],
};
