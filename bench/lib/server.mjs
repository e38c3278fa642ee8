// Parent side of a benchmark server: forks `server-child.mjs`, which builds the app from
// a factory in `bench/servers/`, listens on 127.0.0.1 and samples its own peak RSS.
import { fork } from 'node:child_process';
import { once } from 'node:events';

const CHILD = new URL('./server-child.mjs', import.meta.url);

/** Thrown by a factory (or an import it needs) to skip its configuration with a note. */
export class Skip extends Error {
  skip = true;
}

/**
 * Starts `factory` (`{ file, name, options }`) in its own process. Resolves with
 * `{ port, stats(), close() }`, or `{ skipped: reason }` when the factory skipped itself.
 */
export async function startServer(factory, { profileDir, profileName } = {}) {
  // `factory.execArgv` and `factory.env` start the server as users would (a preload).
  const execArgv = [...(factory.execArgv ?? [])];
  if (profileDir) execArgv.push('--cpu-prof', '--cpu-prof-dir', profileDir);
  if (profileDir && profileName) execArgv.push('--cpu-prof-name', `${profileName}.cpuprofile`);
  const child = fork(CHILD, [factory.file, factory.name, JSON.stringify(factory.options ?? {})], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    execArgv,
    ...(factory.env ? { env: { ...process.env, ...factory.env } } : {}),
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const exited = once(child, 'exit');
  const [message] = await Promise.race([
    once(child, 'message'),
    exited.then(([code]) => {
      throw new Error(`${factory.name} exited with ${code} before listening:\n${stderr}`);
    }),
  ]);
  if (message.skip) {
    await exited;
    return { skipped: message.skip };
  }
  return {
    port: message.port,
    /** `{ peakRss, cpu }`: peak RSS in bytes, user + system CPU time so far in µs. */
    async stats() {
      child.send('stats');
      const [reply] = await once(child, 'message');
      return reply;
    },
    async close() {
      if (child.exitCode !== null) return;
      child.send('exit'); // a clean exit, so that --cpu-prof writes its profile
      await exited;
    },
  };
}
