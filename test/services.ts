import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  accessSync,
  constants,
  existsSync,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';

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

export const BROWSER: Service = {
  what: 'the headless Chromium tests',
  commands: ['chromium', 'chromium-browser'],
  install: 'apt-get install chromium, or set CHROMIUM_PATH',
  requireEnv: 'REPLAYLINK_REQUIRE_BROWSER',
};

/** Chromium's executable (CHROMIUM_PATH first, then PATH), or the skip line for the suite. */
export function findBrowser(): { command?: string; skip: string | false } {
  const given = process.env.CHROMIUM_PATH;
  if (given) {
    try {
      accessSync(given, constants.X_OK);
      return { command: given, skip: false };
    } catch {}
  }
  return findService(BROWSER);
}

/**
 * Starts headless Chromium (as found by `findBrowser`) through playwright-core, with no
 * connection of its own to the network: only the pages a test opens.
 */
export async function launchBrowser(executablePath: string): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Starts `redis-server` (as found by `findService(REDIS)`) on a loopback port, without
 * persistence. Rejects, instead of waiting, when it cannot be spawned, exits, or is not
 * ready within `timeoutMs`.
 */
export function startRedis(command: string, port: number, timeoutMs = 10_000) {
  const redis = spawn(
    command,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise<ChildProcess>((resolve, reject) => {
    let out = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      redis.kill('SIGKILL');
      reject(new Error(`redis-server ${why}: ${out.slice(-500)}`));
    };
    const timer = setTimeout(() => fail(`was not ready after ${timeoutMs} ms`), timeoutMs);
    redis.once('error', (error) => fail(`could not be started (${error.message})`));
    redis.once('exit', (code, signal) => fail(`exited (${code ?? signal})`));
    redis.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      if (!out.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      redis.removeAllListeners('exit');
      redis.stdout!.removeAllListeners('data').resume();
      resolve(redis);
    });
  });
}

/** Stops a redis-server started by `startRedis` (thawing it first if it was frozen). */
export async function stopRedis(redis: ChildProcess): Promise<void> {
  if (redis.exitCode !== null || redis.signalCode !== null) return;
  redis.kill('SIGCONT');
  redis.kill('SIGKILL');
  await once(redis, 'exit');
}

/**
 * Resolves once `predicate` holds, checking every `everyMs`; rejects naming `what` when it
 * still does not hold after `timeoutMs`. No test waits without a bound.
 */
export async function waitFor(
  what: string,
  predicate: () => boolean,
  { timeoutMs = 10_000, everyMs = 10 } = {},
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline)
      throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * A project of its own under the temp dir with `packages` installed, made once and kept
 * for later runs (`name` says what it holds; change it when the packages change). It is
 * installed aside, then moved in whole: an install that was killed, or another run
 * installing at the same time, never leaves a half-filled project where a run looks.
 * Rejects when `npm install` fails, leaving nothing behind.
 */
export async function installedProject(
  name: string,
  packages: string[],
  packageJson: Record<string, unknown> = {},
): Promise<string> {
  const dir = path.join(tmpdir(), name);
  const ready = (at: string) => existsSync(path.join(at, 'node_modules', '.replaylink-ready'));
  if (ready(dir)) return dir;
  const staging = mkdtempSync(`${dir}-`);
  try {
    writeFileSync(
      path.join(staging, 'package.json'),
      JSON.stringify({ private: true, ...packageJson }),
    );
    await promisify(execFile)(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', ...packages],
      { cwd: staging, maxBuffer: 64 * 1024 * 1024 },
    );
    writeFileSync(path.join(staging, 'node_modules', '.replaylink-ready'), '');
    if (!ready(dir)) rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(staging, dir);
    } catch (error) {
      if (!ready(dir)) throw error;
    }
    return dir;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
