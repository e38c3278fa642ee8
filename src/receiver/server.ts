import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { crypto, http } from '../core/builtins.js';
import { invalidOption } from '../core/errors.js';
import { printable } from '../core/text.js';
import { type Assets, loadAssets } from './assets.js';
import { isLoopback, isLoopbackHost } from './loopback.js';
import { createStore, type ReceivedEvent, type StoreStats } from './store.js';
import { terminalText } from './terminal.js';

export type { EventPage, ReceivedEvent, StoreStats } from './store.js';

export interface ReceiverOptions {
  /** The Bearer key every route except the page itself requires. */
  apiKey: string;
  /** Where accepted events are printed readably; `false` for silence. Default: stdout. */
  print?: ((line: string) => void) | false;
  /** Events kept, oldest dropped first. Default 10,000. */
  maxEvents?: number;
  /** Bytes of (decompressed) event bodies kept, oldest dropped first; a larger event gets 413. Default 64 MiB. */
  maxBytes?: number;
  /**
   * Milliseconds between stream heartbeats. A stream whose client has read nothing of what
   * was queued for it across two heartbeats is cut. Default 15,000.
   */
  heartbeatMs?: number;
}

/** The store's figures, the receiver's instance id and its open streams. */
export interface ReceiverStats extends StoreStats {
  /** Random per receiver process: a client that sees it change knows the ids restarted. */
  instance: string;
  /** Open `GET /events/stream` connections. */
  streams: number;
  /** Bytes queued in those connections, not yet taken by the network. */
  streamBytes: number;
}

export const SEND_PATH = '/api/fullstack/v1/send';
/** Largest body accepted, counted after decompression. */
export const MAX_BODY = 1024 * 1024;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
// A stream is written while less than this is queued for it, then waits for 'drain': a
// client that stops reading holds at most this plus one event, whatever the replay.
const STREAM_BUFFER = 1024 * 1024;
// Open streams past this cut the oldest: each one may hold STREAM_BUFFER.
const MAX_STREAMS = 16;
const HEARTBEAT_MS = 15_000;
// A whole request (headers and body) must arrive within this; headers alone within the other.
const REQUEST_TIMEOUT_MS = 30_000;
const HEADERS_TIMEOUT_MS = 10_000;
const STRING_FIELDS = ['payload', 'level', 'metadata', 'title', 'origin'] as const;

type Decode = (input: Buffer, options: zlib.ZlibOptions | zlib.BrotliOptions) => Promise<Buffer>;
// A Map, not an object: `constructor` or `__proto__` must name no decoder.
const inflate = new Map<string, Decode>([
  ['gzip', promisify(zlib.gunzip)],
  ['deflate', promisify(zlib.inflate)],
  ['br', promisify(zlib.brotliDecompress)],
]);

const failure = (message: string, errorName = '') =>
  JSON.stringify({ success: 'false', error: [{ error_name: errorName, message }] });
const NOT_LOGGED_IN = failure('User is not logged in!', 'ErrUserNotLoggedIn');

const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function reply(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  // Answered before its body arrived: the connection is closed once the answer is out,
  // rather than kept to read (and drop) a body that may trickle in for minutes.
  if (!res.req.complete && hasBody(res.req)) res.setHeader('connection', 'close');
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

function asset(res: ServerResponse, body: string, type: string): void {
  res.writeHead(200, {
    'content-type': `${type}; charset=utf-8`,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-cache',
    'content-security-policy': PAGE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Checks the body as the send API does; returns the validation message or the event. */
function validate(body: unknown): string | Omit<ReceivedEvent, 'id' | 'receivedAt' | 'encoding'> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'Body must be a JSON object';
  const fields = body as Record<string, unknown>;
  if (typeof fields.uuid !== 'string' || fields.uuid === '')
    return 'No BugReplay-Recording-UUID, doing nothing';
  if (fields.type !== 'log' && fields.type !== 'exception')
    return "Type must be 'log' or 'exception'";
  for (const name of STRING_FIELDS) {
    if (fields[name] !== undefined && typeof fields[name] !== 'string')
      return `${name} must be a string`;
  }
  if (fields.timestamp !== undefined && !Number.isSafeInteger(fields.timestamp))
    return 'timestamp must be an integer';
  return {
    uuid: fields.uuid,
    type: fields.type,
    payload: (fields.payload as string | undefined) ?? '',
    level: (fields.level as string | undefined) ?? '',
    timestamp: (fields.timestamp as number | undefined) ?? Date.now(),
    metadata: (fields.metadata as string | undefined) ?? '',
    title: (fields.title as string | undefined) ?? '',
    origin: (fields.origin as string | undefined) ?? '',
  };
}

/** `?name=` as an integer within [min, max], the fallback when absent, or an error message. */
function intParam(url: URL, names: string[], fallback: number, min: number, max: number) {
  for (const name of names) {
    const raw = url.searchParams.get(name);
    if (raw === null) continue;
    const value = Number(raw);
    if (raw === '' || !Number.isSafeInteger(value) || value < min || value > max)
      return `${name} must be an integer from ${min} to ${max}`;
    return value;
  }
  return fallback;
}

function targetOf(req: IncomingMessage): URL | undefined {
  try {
    return new URL(`http://receiver${req.url ?? '/'}`);
  } catch {
    return undefined;
  }
}

const MISDIRECTED = failure(
  'Host must be a loopback address (127.0.0.0/8, [::1]) or localhost for a loopback receiver',
);

/**
 * A loopback receiver serves only requests addressed to a loopback name: a page on another
 * origin that rebinds its DNS name to 127.0.0.1 still sends its own name as `Host`.
 * A request without `Host` (HTTP/1.0 tools) comes from no browser and passes.
 */
function misdirected(req: IncomingMessage, server: Server): boolean {
  const host = req.headers.host;
  if (host === undefined || isLoopbackHost(host)) return false;
  const bound = server.address();
  return typeof bound === 'object' && bound !== null && isLoopback(bound.address);
}

interface Stream {
  res: ServerResponse;
  /** Id of the last event written to it. */
  after: number;
  /** Waiting for 'drain'. */
  waiting: boolean;
  /** Heartbeats seen while waiting. */
  stalled: number;
}

/** Whether the request announced a body (the handler runs before any of it is read). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1)
    throw invalidOption(name, value, 'a positive integer');
  return value;
}

/**
 * A local implementation of the fullstack send API, answering exactly as the real one
 * does, for development and tests. Every route needs the key as `Authorization: Bearer`;
 * `GET /` is a page that shows the events live (it asks for the key itself).
 * Routes: `POST /api/fullstack/v1/send`, `GET /events?after=&limit=&uuid=`,
 * `DELETE /events`, `GET /events/stream` (Server-Sent Events), `GET /stats`.
 *
 * @example
 * const receiver = await startReceiver({ apiKey: 'dev-key' }, 4318);
 * init({ apiKey: 'dev-key', endpoint: receiver.url });
 */
export function createReceiver(options: ReceiverOptions) {
  if (typeof options.apiKey !== 'string' || options.apiKey === '')
    throw invalidOption('apiKey', options.apiKey, 'a non-empty string');
  const maxBytes = positive('maxBytes', options.maxBytes, 64 * 1024 * 1024);
  const heartbeatMs = positive('heartbeatMs', options.heartbeatMs, HEARTBEAT_MS);
  const store = createStore(positive('maxEvents', options.maxEvents, 10_000), maxBytes);
  const print =
    options.print === undefined
      ? (line: string) => process.stdout.write(`${line}\n`)
      : options.print;
  // Both sides hashed first: timingSafeEqual needs equal lengths, and the key's length stays private.
  const expected = crypto().createHash('sha256').update(`Bearer ${options.apiKey}`).digest();
  const instance = crypto().randomBytes(8).toString('hex');
  const assets: Assets = loadAssets();
  const streams = new Set<Stream>();
  let nextId = 1;
  let lastDropped = 0;
  // The newest event's frame, written once per stream when it is broadcast.
  let framed: { event: ReceivedEvent; text: string } | undefined;

  function authorized(req: IncomingMessage): boolean {
    const given = req.headers.authorization;
    if (typeof given !== 'string') return false;
    return crypto().timingSafeEqual(crypto().createHash('sha256').update(given).digest(), expected);
  }

  function stats(): ReceiverStats {
    let streamBytes = 0;
    for (const stream of streams) streamBytes += stream.res.writableLength;
    return { ...store.stats(), instance, streams: streams.size, streamBytes };
  }

  function frame(event: ReceivedEvent): string {
    if (framed?.event !== event)
      framed = { event, text: `id: ${event.id}\nevent: event\ndata: ${JSON.stringify(event)}\n\n` };
    return framed.text;
  }

  /**
   * Writes the stream's next stored events while little is queued for it, then waits for
   * 'drain'. Replay and live events go the same way, so neither can queue without bound.
   */
  function pump(stream: Stream): void {
    if (stream.waiting || stream.res.destroyed) return;
    for (let event = store.next(stream.after); event; event = store.next(stream.after)) {
      stream.after = event.id;
      stream.res.write(frame(event));
      if (stream.res.writableLength >= STREAM_BUFFER) {
        stream.waiting = true;
        stream.res.once('drain', () => {
          stream.waiting = false;
          stream.stalled = 0;
          pump(stream);
        });
        return;
      }
    }
  }

  function broadcast(name: string, data: string): void {
    for (const stream of streams) {
      // A stream that waits for its reader skips stats; it gets the next ones.
      if (!stream.waiting || name === 'clear')
        stream.res.write(`event: ${name}\ndata: ${data}\n\n`);
    }
  }

  function accept(event: ReceivedEvent, size: number): void {
    store.add(event, size);
    if (streams.size === 0) return;
    for (const stream of streams) pump(stream);
    const { dropped } = store.stats();
    if (dropped !== lastDropped) {
      lastDropped = dropped;
      broadcast('stats', JSON.stringify(stats()));
    }
  }

  async function send(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    const decode = inflate.get(encoding);
    if (decode === undefined && encoding !== 'identity')
      return reply(res, 415, failure(`Unsupported encoding ${printable(encoding, 20)}`));
    const raw = await readBody(req);
    if (raw === undefined) return tooLarge(res, MAX_BODY);
    let decoded: Buffer;
    try {
      decoded = decode ? await decode(raw, { maxOutputLength: MAX_BODY }) : raw;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE')
        return tooLarge(res, MAX_BODY);
      return reply(res, 400, failure('Body could not be decompressed'));
    }
    // Kept, it would push out every other event and still not fit.
    if (decoded.length > maxBytes) return tooLarge(res, maxBytes);
    let body: unknown;
    try {
      body = JSON.parse(decoded.toString('utf8'));
    } catch {
      return reply(res, 400, failure('Body must be JSON'));
    }
    const checked = validate(body);
    if (typeof checked === 'string')
      return reply(res, checked.startsWith('No BugReplay') ? 200 : 400, failure(checked));
    const event: ReceivedEvent = { id: nextId++, receivedAt: Date.now(), encoding, ...checked };
    accept(event, decoded.length);
    if (print)
      print(
        `[receiver] ${event.type} ${terminalText(event.level || '-', 16)} ` +
          `uuid=${terminalText(event.uuid, 64)} ${terminalText(event.title, 200)}`,
      );
    const { uuid, type, title, payload, metadata, origin, timestamp, id } = event;
    reply(
      res,
      200,
      JSON.stringify({
        success: 'true',
        data: {
          data: { ok: { id, timestamp, type, title, payload, uuid, metadata, origin } },
          success: true,
        },
      }),
    );
  }

  function tooLarge(res: ServerResponse, limit: number): void {
    res.setHeader('connection', 'close');
    const what =
      limit === MAX_BODY
        ? `Body larger than ${MAX_BODY} bytes (after decompression)`
        : `Event larger than the ${limit} bytes this receiver keeps (maxBytes)`;
    reply(res, 413, failure(what));
  }

  function list(url: URL, res: ServerResponse) {
    const limit = intParam(url, ['limit'], DEFAULT_LIMIT, 1, MAX_LIMIT);
    if (typeof limit === 'string') return reply(res, 400, failure(limit));
    const after = intParam(url, ['after', 'cursor'], 0, 0, Number.MAX_SAFE_INTEGER);
    if (typeof after === 'string') return reply(res, 400, failure(after));
    const page = store.page(after, limit, url.searchParams.get('uuid'));
    reply(res, 200, JSON.stringify({ ...page, ...stats() }));
  }

  function stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    if (streams.size >= MAX_STREAMS) streams.values().next().value?.res.destroy();
    const current: ReceiverStats = stats();
    res.write(
      `retry: 2000\nevent: hello\ndata: ${JSON.stringify({ instance })}\n\n` +
        `event: stats\ndata: ${JSON.stringify(current)}\n\n`,
    );
    // A client that reconnects (or loaded a page of events first) names the last id it has;
    // without one, the stream starts with the next event.
    const last = Number(req.headers['last-event-id'] ?? Number.NaN);
    const entry: Stream = {
      res,
      after: Number.isSafeInteger(last) && last >= 0 ? last : nextId - 1,
      waiting: false,
      stalled: 0,
    };
    streams.add(entry);
    res.on('close', () => streams.delete(entry));
    pump(entry);
  }

  // A stream that took nothing of its queue across two heartbeats is cut: a reader that
  // stopped would otherwise hold its buffers until the next event.
  const heartbeat = setInterval(() => {
    for (const stream of streams) {
      if (!stream.waiting) {
        stream.stalled = 0;
        stream.res.write(': heartbeat\n\n');
      } else if (++stream.stalled >= 2) {
        stream.res.destroy();
      }
    }
  }, heartbeatMs);
  heartbeat.unref();

  const routes: Record<
    string,
    Record<string, (req: IncomingMessage, res: ServerResponse, url: URL) => void>
  > = {
    [SEND_PATH]: {
      POST: (req, res) => {
        send(req, res).catch(() => {
          if (!res.headersSent) reply(res, 500, failure('Receiver error'));
        });
      },
    },
    '/events': {
      GET: (_req, res, url) => list(url, res),
      DELETE: (_req, res) => {
        store.clear();
        broadcast('clear', '{}');
        reply(res, 200, '{"success":"true"}');
      },
    },
    '/events/stream': { GET: (req, res) => stream(req, res) },
    '/stats': { GET: (_req, res) => reply(res, 200, JSON.stringify(stats())) },
  };

  const server = http.createServer((req, res) => {
    if (misdirected(req, server)) return reply(res, 421, MISDIRECTED);
    // Not `new URL(req.url, base)`: a path like `//host` would parse as another origin, or throw.
    const url = targetOf(req);
    if (url === undefined) return reply(res, 400, failure('Bad request target'));
    const page = Object.hasOwn(assets, url.pathname) ? assets[url.pathname] : undefined;
    if (page !== undefined && (req.method === 'GET' || req.method === 'HEAD'))
      return asset(res, page[0], page[1]);
    const route = routes[url.pathname];
    if (route === undefined) return reply(res, 404, failure('Not found'));
    const handler = route[req.method ?? ''];
    if (handler === undefined) {
      res.setHeader('allow', Object.keys(route).join(', '));
      return reply(res, 405, failure('Method not allowed'));
    }
    if (!authorized(req)) return reply(res, 401, NOT_LOGGED_IN);
    handler(req, res, url);
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.on('close', () => clearInterval(heartbeat));
  return { server, events: store.events, stats };
}

/**
 * Starts a receiver on `port` (0 for any free one) at `host`; resolves with its send URL
 * (`url`), its base address (`base`, where the page is) and `close()`.
 */
export async function startReceiver(options: ReceiverOptions, port = 0, host = '127.0.0.1') {
  const { server, events, stats } = createReceiver(options);
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  return {
    url: `${base}${SEND_PATH}`,
    base,
    port: address.port,
    events,
    stats: stats as () => ReceiverStats,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
