// Event sinks in their own process: replaylink's local receiver (`startReceiver`) or a
// Sentry envelope endpoint. A server that forwards errors starts one, so receiving the
// events never costs the measured server CPU. The sink exits with its parent.
import { fork } from 'node:child_process';
import { once } from 'node:events';

/** `kind`: `'replaylink'` or `'sentry'`. Resolves with `{ url, count(), close() }`. */
export async function startSink(kind, apiKey = 'bench-key') {
  const child = fork(new URL('./sink-child.mjs', import.meta.url), [kind, apiKey], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const [{ url }] = await once(child, 'message');
  return {
    url,
    async count() {
      child.send('count');
      const [reply] = await once(child, 'message');
      return reply.count;
    },
    async close() {
      child.disconnect();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
