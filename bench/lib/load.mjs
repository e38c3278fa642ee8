// The load generator: autocannon (programmatic) in one long-lived child process, so it
// never shares an event loop with a server and is not restarted for every measurement.
import { fork } from 'node:child_process';
import { once } from 'node:events';

/**
 * `{ run(options) => result, close() }`; `run([options…])` runs several loads at once.
 * Results are summarised in `load-child.mjs`.
 */
export function startLoadGenerator() {
  const child = fork(new URL('./load-child.mjs', import.meta.url), {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let queue = Promise.resolve();
  const run = (options) => {
    const result = queue.then(async () => {
      child.send(options);
      const [reply] = await once(child, 'message');
      if (reply?.error) throw new Error(reply.error);
      return reply;
    });
    queue = result.catch(() => {});
    return result;
  };
  return {
    run,
    async close() {
      child.disconnect();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
