import { AsyncLocalStorage } from 'node:async_hooks';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders, type RequestListener } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, beforeEach } from 'node:test';
import { state } from '../src/core/state.js';
import { createStats } from '../src/core/stats.js';
import { close, init, type ReplayLinkOptions, startReceiver } from '../src/index.js';

/**
 * Zeroes every counter `stats()` reads. The counters live for the process; every test file
 * that imports this module starts each test from zero, so that exact counts do not depend
 * on the tests that ran before.
 */
export function resetStats(): void {
  state.stats = createStats();
}
beforeEach(resetStats);

export interface Served {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

/** Starts `handler` (an Express/Koa app or plain listener) on 127.0.0.1, port 0. */
export async function serve(
  handler: RequestListener,
  serverOptions: http.ServerOptions = {},
): Promise<Served> {
  const server = http.createServer(serverOptions, handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return served(server, async () => {
    server.close();
    await once(server, 'close');
  });
}

/**
 * Describes a listening server; `close` stops it (`stop` says how: `server.close()`, or
 * a framework's own close) after its connections are cut.
 */
export function served(server: http.Server, stop: () => Promise<unknown>): Served {
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    async close() {
      server.closeAllConnections();
      await stop();
      if (server.listening) await once(server, 'close');
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** A small HTTP client over node:http with a bounded keep-alive pool. */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Sends raw bytes over a socket and resolves with the raw reply (connection closed by us). */
export async function rawRequest(port: number, head: string): Promise<string> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      reply += d;
      if (/\r\n\r\n/.test(reply) && /content-length: \d+/i.test(reply)) {
        const length = Number(/content-length: (\d+)/i.exec(reply)![1]);
        if (reply.length >= reply.indexOf('\r\n\r\n') + 4 + length) socket.end();
      }
    });
    socket.on('end', () => resolve(reply));
    socket.on('close', () => resolve(reply));
    socket.on('error', reject);
    socket.write(head, 'latin1');
  });
}

export interface CapturedOutput {
  stdout(): string;
  stderr(): string;
  restore(): void;
}

type Write = typeof process.stdout.write;

// Writes caused by the code under test run inside this zone; the test runner's own
// writes (node:test reports through the child's stdout) do not, and pass through.
const zone = new AsyncLocalStorage<true>();

/**
 * Replaces the real stdout/stderr writes with collectors, so that the patches
 * replaylink installs afterwards wrap them exactly as they wrap the real streams.
 * Only writes made inside {@link inZone} are collected.
 */
export function captureOutput(): CapturedOutput {
  const out: string[] = [];
  const err: string[] = [];
  const originals = [process.stdout.write, process.stderr.write] as const;
  const sink = (into: string[], original: Write, stream: NodeJS.WriteStream): Write =>
    ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
      if (!zone.getStore())
        return Reflect.apply(original, stream, [chunk, encoding, cb]) as boolean;
      into.push(
        typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('latin1'),
      );
      const done = typeof encoding === 'function' ? encoding : cb;
      if (typeof done === 'function') process.nextTick(done as () => void);
      return true;
    }) as Write;
  process.stdout.write = sink(out, originals[0], process.stdout);
  process.stderr.write = sink(err, originals[1], process.stderr);
  return {
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    restore() {
      process.stdout.write = originals[0];
      process.stderr.write = originals[1];
    },
  };
}

/** Runs `fn` so that its output (and that of servers it starts) is collected. */
export function inZone<T>(fn: () => T): T {
  return zone.run(true, fn);
}

/** Runs `fn` with output captured and replaylink initialised with `options`; always cleans up. */
export function withOutput<T>(
  options: ReplayLinkOptions | undefined,
  fn: (output: CapturedOutput) => Promise<T> | T,
): Promise<T> {
  return quietly(fn, () => init(options));
}

/**
 * Runs `fn` with output captured, after a clean slate (`setUp` then, if given, outside the
 * zone); always closes and restores.
 */
export async function quietly<T>(
  fn: (output: CapturedOutput) => Promise<T> | T,
  setUp?: () => void,
): Promise<T> {
  await close();
  const output = captureOutput();
  try {
    setUp?.();
    return await inZone(() => fn(output));
  } finally {
    await close();
    output.restore();
  }
}

/**
 * The environment of a child process a test starts: PATH, NODE_V8_COVERAGE when the run
 * measures coverage (c8 sets it; the child's coverage is then counted too), and `env`.
 */
export function childEnv(env: Record<string, string> = {}): Record<string, string> {
  const coverage = process.env.NODE_V8_COVERAGE;
  return {
    PATH: process.env.PATH ?? '',
    ...(coverage ? { NODE_V8_COVERAGE: coverage } : {}),
    ...env,
  };
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Calls `fn` from a timer and resolves after it ran. */
export const later = (ms: number, fn: () => void) =>
  new Promise<void>((resolve) =>
    setTimeout(() => {
      fn();
      resolve();
    }, ms),
  );

/** Calls `fn` from setImmediate and resolves after it ran. */
export const immediately = (fn: () => void) =>
  new Promise<void>((resolve) =>
    setImmediate(() => {
      fn();
      resolve();
    }),
  );

/** Lowest port the OS hands out for `listen(0)` and outgoing connections (Linux's range). */
function ephemeralLow(): number {
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    return Number.isInteger(low) ? low : 0;
  } catch {
    return 0;
  }
}

/** Listens on `port` at 127.0.0.1 and closes again: the port it had, or nothing if taken. */
async function probePort(port: number): Promise<number | undefined> {
  const probe = net.createServer();
  const listening = await new Promise<boolean>((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (!listening) return undefined;
  const bound = (probe.address() as AddressInfo).port;
  probe.close();
  await once(probe, 'close');
  return bound;
}

/**
 * A loopback port that nothing listens on. It is taken below the OS's ephemeral range where
 * there is one: a port from `listen(0)` could be handed to the next server that listens on
 * port 0, so a "dead" endpoint of one test could become another test's server.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  if (low > 20_000)
    for (let attempt = 0; attempt < 100; attempt++) {
      const port = await probePort(10_000 + Math.floor(Math.random() * (low - 10_000)));
      if (port !== undefined) return port;
    }
  const port = await probePort(0);
  if (port === undefined) throw new Error('no loopback port can be listened on');
  return port;
}

/**
 * A local send API receiver for the test file: started before its tests, emptied before
 * each one, closed after them. Read `url`, `base` and `events` inside tests.
 */
export function useReceiver(apiKey: string) {
  let current: Awaited<ReturnType<typeof startReceiver>> | undefined;
  before(async () => {
    current = await startReceiver({ apiKey, print: false });
  });
  after(() => current?.close());
  beforeEach(() => {
    if (current) current.events.length = 0;
  });
  const started = () => {
    if (current === undefined) throw new Error('the receiver starts in before()');
    return current;
  };
  return {
    get url() {
      return started().url;
    },
    get base() {
      return started().base;
    },
    get events() {
      return started().events;
    },
  };
}
