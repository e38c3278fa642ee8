import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { crypto, http } from '../core/builtins.js';
import { invalidOption } from '../core/errors.js';
import { printable } from '../core/text.js';
import { PAGE_HTML, PAGE_SCRIPT, PAGE_STYLE } from './page.js';
import { createStore, type ReceivedEvent, type StoreStats } from './store.js';

export type { EventPage, ReceivedEvent, StoreStats } from './store.js';

export interface ReceiverOptions {
  /** The Bearer key every route except the page itself requires. */
  apiKey: string;
  /** Where accepted events are printed readably; `false` for silence. Default: stdout. */
  print?: ((line: string) => void) | false;
  /** Events kept, oldest dropped first. Default 10,000. */
  maxEvents?: number;
  /** Bytes of (decompressed) event bodies kept, oldest dropped first. Default 64 MiB. */
  maxBytes?: number;
}

export const SEND_PATH = '/api/fullstack/v1/send';
/** Largest body accepted, counted after decompression. */
export const MAX_BODY = 1024 * 1024;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;
// A stream client that stops reading is cut off rather than buffered for without end.
const MAX_STREAM_BACKLOG = 4 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;
const STRING_FIELDS = ['payload', 'level', 'metadata', 'title', 'origin'] as const;

type Decode = (input: Buffer, options: zlib.ZlibOptions | zlib.BrotliOptions) => Promise<Buffer>;
const inflate: Record<string, Decode> = {
  gzip: promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
};

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

const ASSETS: Record<string, [string, string]> = {
  '/': [PAGE_HTML, 'text/html'],
  '/page.js': [PAGE_SCRIPT, 'text/javascript'],
  '/page.css': [PAGE_STYLE, 'text/css'],
};

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

// Names a page on this machine may use to reach a loopback receiver, port optional.
const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i;
const MISDIRECTED = failure('Host must be 127.0.0.1, localhost or [::1] for a loopback receiver');

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address === '::ffff:127.0.0.1';
}

/**
 * A loopback receiver serves only requests addressed to a loopback name: a page on another
 * origin that rebinds its DNS name to 127.0.0.1 still sends its own name as `Host`.
 * A request without `Host` (HTTP/1.0 tools) comes from no browser and passes.
 */
function misdirected(req: IncomingMessage, server: Server): boolean {
  const host = req.headers.host;
  if (host === undefined || LOOPBACK_HOST.test(host)) return false;
  const bound = server.address();
  return typeof bound === 'object' && bound !== null && isLoopback(bound.address);
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
  const store = createStore(
    positive('maxEvents', options.maxEvents, 10_000),
    positive('maxBytes', options.maxBytes, 64 * 1024 * 1024),
  );
  const print =
    options.print === undefined
      ? (line: string) => process.stdout.write(`${line}\n`)
      : options.print;
  // Both sides hashed first: timingSafeEqual needs equal lengths, and the key's length stays private.
  const expected = crypto().createHash('sha256').update(`Bearer ${options.apiKey}`).digest();
  const streams = new Set<ServerResponse>();
  let nextId = 1;
  let lastDropped = 0;

  function authorized(req: IncomingMessage): boolean {
    const given = req.headers.authorization;
    if (typeof given !== 'string') return false;
    return crypto().timingSafeEqual(crypto().createHash('sha256').update(given).digest(), expected);
  }

  function broadcast(name: string, data: string, id?: number): void {
    const message = `${id === undefined ? '' : `id: ${id}\n`}event: ${name}\ndata: ${data}\n\n`;
    for (const res of streams) {
      if (res.writableLength > MAX_STREAM_BACKLOG) res.destroy();
      else res.write(message);
    }
  }

  function accept(event: ReceivedEvent, size: number): void {
    store.add(event, size);
    if (streams.size === 0) return;
    broadcast('event', JSON.stringify(event), event.id);
    const stats = store.stats();
    if (stats.dropped !== lastDropped) {
      lastDropped = stats.dropped;
      broadcast('stats', JSON.stringify(stats));
    }
  }

  async function send(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    if (raw === undefined) return tooLarge(res);
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    let decoded: Buffer;
    const decode = inflate[encoding];
    if (decode === undefined && encoding !== 'identity')
      return reply(res, 415, failure(`Unsupported encoding ${printable(encoding, 20)}`));
    try {
      decoded = decode ? await decode(raw, { maxOutputLength: MAX_BODY }) : raw;
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') return tooLarge(res);
      return reply(res, 400, failure('Body could not be decompressed'));
    }
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
        `[receiver] ${event.type} ${event.level || '-'} uuid=${printable(event.uuid, 64)} ${printable(event.title)}`,
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

  function tooLarge(res: ServerResponse): void {
    res.setHeader('connection', 'close');
    reply(res, 413, failure(`Body larger than ${MAX_BODY} bytes (after decompression)`));
  }

  function list(url: URL, res: ServerResponse) {
    const limit = intParam(url, ['limit'], DEFAULT_LIMIT, 1, MAX_LIMIT);
    if (typeof limit === 'string') return reply(res, 400, failure(limit));
    const after = intParam(url, ['after', 'cursor'], 0, 0, Number.MAX_SAFE_INTEGER);
    if (typeof after === 'string') return reply(res, 400, failure(after));
    const page = store.page(after, limit, url.searchParams.get('uuid'));
    reply(res, 200, JSON.stringify({ ...page, ...store.stats() }));
  }

  function stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.write(`retry: 2000\nevent: stats\ndata: ${JSON.stringify(store.stats())}\n\n`);
    // A client that reconnects (or loaded a page of events first) names the last id it has.
    const last = Number(req.headers['last-event-id']);
    if (Number.isSafeInteger(last) && last >= 0)
      for (const event of store.since(last))
        res.write(`id: ${event.id}\nevent: event\ndata: ${JSON.stringify(event)}\n\n`);
    streams.add(res);
    res.on('close', () => streams.delete(res));
  }

  const heartbeat = setInterval(() => {
    for (const res of streams) res.write(': heartbeat\n\n');
  }, HEARTBEAT_MS);
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
    '/stats': { GET: (_req, res) => reply(res, 200, JSON.stringify(store.stats())) },
  };

  const server = http.createServer((req, res) => {
    if (misdirected(req, server)) return reply(res, 421, MISDIRECTED);
    // Not `new URL(req.url, base)`: a path like `//host` would parse as another origin, or throw.
    const url = targetOf(req);
    if (url === undefined) return reply(res, 400, failure('Bad request target'));
    const page = ASSETS[url.pathname];
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
  server.on('close', () => clearInterval(heartbeat));
  return { server, events: store.events, stats: store.stats };
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
    stats: stats as () => StoreStats,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
