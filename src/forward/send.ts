import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
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

/** Creates the HTTP layer of the transport. undici and its agent are made at the first send. */
export function createSender(options: SenderOptions): Sender {
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
      try {
        if (destroyed) return { status: 0, failure: 'network' };
        const body = compress ? await compress(Buffer.from(text)) : text;
        const dispatcher = agentFor();
        const response = await loadUndici().request(options.endpoint, {
          dispatcher,
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        const retryAfter = response.headers['retry-after'];
        return {
          status: response.statusCode,
          retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
          body: await readCapped(response.body),
        };
      } catch (error) {
        return { status: 0, failure: isTimeout(error) ? 'timeout' : 'network' };
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
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
}
