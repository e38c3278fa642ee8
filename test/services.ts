import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export interface Service {
  /** What the tests need, as the skip line names it. */
  what: string;
  /** Executables looked up on PATH; the first found is used. */
  commands: string[];
  /** How to get it, shown when it is missing. */
  install: string;
  /** Set to `1`, a missing service fails the run instead of skipping (CI sets it). */
  requireEnv: string;
}

/** The absolute path of `command` on PATH, or undefined. */
export function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  return undefined;
}

/**
 * Finds a service's executable. When it is missing, returns the reason to give to
 * `describe(name, { skip })` (one visible line saying what is skipped and how to
 * install it), or throws when the service's `requireEnv` variable is `1`.
 */
export function findService(service: Service): { command?: string; skip: string | false } {
  for (const name of service.commands) {
    const command = onPath(name);
    if (command) return { command, skip: false };
  }
  const missing = `${service.commands.join(' or ')} not found on PATH`;
  if (process.env[service.requireEnv] === '1')
    throw new Error(`${missing}, and ${service.requireEnv}=1 requires ${service.what}`);
  return { skip: `${missing}: ${service.what} skipped (install: ${service.install})` };
}

export const REDIS: Service = {
  what: 'the shared Redis store tests',
  commands: ['redis-server'],
  install: 'apt-get install redis-server',
  requireEnv: 'REPLAYLINK_REQUIRE_REDIS',
};

export const CHROMIUM: Service = {
  what: 'the browser tests (real OpenReplay tracker in headless Chromium)',
  commands: ['chromium', 'chromium-browser'],
  install: 'apt-get install chromium',
  requireEnv: 'REPLAYLINK_REQUIRE_BROWSER',
};
