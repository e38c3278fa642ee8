import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { Agent } from 'undici';
import { zlib } from '../core/builtins.js';
import { VERSION } from '../core/version.js';
import type { Compression } from './options.js';

const compressors: Record<Compression, (input: Buffer) => Promise<Buffer>> = {
  gzip: (input) => promisify(zlib().gzip)(input),
  deflate: (input) => promisify(zlib().deflate)(input),
  br: (input) => promisify(zlib().brotliCompress)(input),
};

/** Response bodies are read up to this many bytes; the rest is discarded. */
export const MAX_RESPONSE_BYTES = 16 * 1024;

export const USER_AGENT = `replaylink/${VERSION} node/${process.versions.node}`;

export interface SendResult {
  /** HTTP status, or 0 when no response arrived. */
  status: number;
  /** `Retry-After` header, when present. */
  retryAfter?: string | undefined;
  /** Response body text, cut to {@link MAX_RESPONSE_BYTES}. */
  body?: string;
  /** Why no response arrived. */
  failure?: 'network' | 'timeout';
  /**
   * Milliseconds the process was frozen (stopped, or its clock jumped) while the request
   * was out: Lambda freezes a function between invocations. A failure across a freeze says
   * nothing about the endpoint.
   */
  frozenMs?: number;
}

export interface SenderOptions {
  endpoint: string;
  apiKey: string;
  compression: Compression | false;
  timeoutMs: number;
}

/** The bytes-over-HTTP layer: one keep-alive agent, one POST per event. Never throws. */
export interface Sender {
  send(body: string): Promise<SendResult>;
  /** Closes idle sockets and aborts requests still running. */
  destroy(): Promise<void>;
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_RESPONSE_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
}

function isTimeout(error: unknown): boolean {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  return (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    (typeof code === 'string' && code.includes('TIMEOUT'))
  );
}

type Undici = typeof import('undici');

// undici costs ~100 ms and ~25 MB to load: only a process that sends pays for it, at the
// first send. createRequire works from both the ESM and the CommonJS build.
let undici: Undici | undefined;

function loadUndici(): Undici {
  undici ??= createRequire(import.meta.url)('undici') as Undici;
  return undici;
}

const TICK_MS = 500;
// A tick this late, or wall and monotonic clocks this far apart, means the process did not
// run: a Lambda freeze, SIGSTOP, a snapshot restore. (A loop blocked that long counts too.)
const FREEZE_MS = 1500;

/**
 * Notices freezes while requests are out: an unref'd tick compares the monotonic clock
 * with its own schedule and with the wall clock. At a thaw the overdue tick runs before
 * the overdue timeouts (timers fire in order of due time), so they can tell.
 */
function freezeWatch() {
  let out = 0;
  let ticker: NodeJS.Timeout | undefined;
  let lastMono = 0;
  let lastWall = 0;
  let frozenAt = Number.NEGATIVE_INFINITY;
  let frozenMs = 0;
  const tick = () => {
    const mono = performance.now();
    const wall = Date.now();
    const late = mono - lastMono - TICK_MS;
    const jump = Math.abs(wall - lastWall - (mono - lastMono));
    if (late > FREEZE_MS || jump > FREEZE_MS) {
      frozenAt = mono;
      frozenMs += Math.max(late, jump);
    }
    lastMono = mono;
    lastWall = wall;
  };
  return {
    start(): { since: number; frozen: number } {
      if (out++ === 0) {
        lastMono = performance.now();
        lastWall = Date.now();
        ticker = setInterval(tick, TICK_MS);
        ticker.unref();
      }
      return { since: performance.now(), frozen: frozenMs };
    },
    /** Checks now (a timer may run before the tick), then: ms frozen since `mark`. */
    frozenSince(mark: { since: number; frozen: number }): number {
      if (out > 0) tick();
      return frozenAt >= mark.since ? frozenMs - mark.frozen : 0;
    },
    end(): void {
      if (--out === 0) clearInterval(ticker);
    },
  };
}

/**
 * A timeout that does not count time the process spent frozen: when it fires after a
 * freeze it waits `ms` again (once), since the answer may be in the socket already.
 */
function thawingTimeout(ms: number, frozen: () => number) {
  const controller = new AbortController();
  let extended = false;
  const expire = () => {
    if (!extended && frozen() > 0) {
      extended = true;
      timer = setTimeout(expire, ms).unref();
      return;
    }
    const error = new Error('send API timeout');
    error.name = 'TimeoutError';
    controller.abort(error);
  };
  // Unref'd, as AbortSignal.timeout is: the exit drain decides how long a script waits.
  let timer = setTimeout(expire, ms).unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/** Creates the HTTP layer of the transport. undici and its agent are made at the first send. */
export function createSender(options: SenderOptions): Sender {
  const watch = freezeWatch();
  let agent: Agent | undefined;
  let destroyed = false;
  const agentFor = (): Agent => {
    agent ??= createAgent(options);
    return agent;
  };
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${options.apiKey}`,
    'user-agent': USER_AGENT,
  };
  if (options.compression) headers['content-encoding'] = options.compression;
  const compress = options.compression ? compressors[options.compression] : undefined;

  return {
    async send(text) {
      if (destroyed) return { status: 0, failure: 'network' };
      const mark = watch.start();
      const timeout = thawingTimeout(options.timeoutMs, () => watch.frozenSince(mark));
      try {
        const body = compress ? await compress(Buffer.from(text)) : text;
        const dispatcher = agentFor();
        const response = await loadUndici().request(options.endpoint, {
          dispatcher,
          method: 'POST',
          headers,
          body,
          signal: timeout.signal,
        });
        const retryAfter = response.headers['retry-after'];
        return {
          status: response.statusCode,
          retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
          body: await readCapped(response.body),
        };
      } catch (error) {
        const frozenMs = watch.frozenSince(mark);
        const failure = isTimeout(error) ? 'timeout' : 'network';
        return frozenMs > 0 ? { status: 0, failure, frozenMs } : { status: 0, failure };
      } finally {
        timeout.clear();
        watch.end();
      }
    },
    async destroy() {
      destroyed = true;
      try {
        await agent?.destroy();
      } catch {
        // Already destroyed.
      }
    },
  };
}

function createAgent(options: SenderOptions): Agent {
  const { Agent, buildConnector } = loadUndici();
  const connectTls = buildConnector({ timeout: options.timeoutMs });
  return new Agent({
    connect(connectOptions, callback) {
      // Sockets never hold the process open, not even while connecting (a TLS handshake
      // that is never answered): the exit drain keeps the process alive, bounded by
      // `shutdownTimeoutMs`, while events are still pending (see exit-drain.ts).
      // buildConnector returns the socket synchronously, with its handle already made.
      const socket = connectTls(connectOptions, callback) as unknown as Socket | undefined;
      socket?.unref();
      return socket;
    },
    keepAliveTimeout: 10_000,
    // The request's own signal (thawingTimeout) bounds it; undici's timers would not know
    // a freeze from a silent endpoint.
    headersTimeout: options.timeoutMs * 3,
    bodyTimeout: options.timeoutMs * 3,
  });
}
