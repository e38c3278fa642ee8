// The cost of stamping one console.log: plain (replaylink not loaded), with replaylink
// initialised but outside any context, and inside a context where the line is stamped.
// Each runs in its own process whose stdout is /dev/null.
import { nsPerOp } from '../lib/micro.mjs';

const iterations = (settings) => Math.max(2000, Math.round(200_000 * settings.microScale));
const line = (i) => console.log('order %d loaded', i);

export default {
  kind: 'micro',
  title: 'Micro: one console.log to a discarded stream, stamped vs plain',
  subject: 'call',
  columns: [{ key: 'ns', label: 'ns/call' }],
  ratio: { key: 'ns', baseline: 'plain', label: 'time vs plain' },
  configurations: [
    {
      id: 'plain',
      label: 'console.log, replaylink not loaded',
      measure: async (settings) => ({ ns: nsPerOp(line, iterations(settings)) }),
    },
    {
      id: 'outside',
      label: 'console.log after init(), outside a request',
      async measure(settings) {
        const { init } = await import('replaylink');
        init({});
        return { ns: nsPerOp(line, iterations(settings)) };
      },
    },
    {
      id: 'stamped',
      label: 'console.log inside a request context (stamped)',
      async measure(settings) {
        const { init, runWithContext } = await import('replaylink');
        init({});
        const ids = { sessionToken: 'bench.token.1', recordingId: '6f1c2a9e-4b1d-4c55' };
        return { ns: runWithContext(ids, () => nsPerOp(line, iterations(settings))) };
      },
    },
  ],
};
