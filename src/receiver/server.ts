import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { ForwardEvent } from '../event.js';
import { printable } from '../text.js';

/** An event as the receiver stored it. */
export interface ReceivedEvent extends ForwardEvent {
  id: number;
  receivedAt: number;
  /** Content-Encoding the event arrived with, `identity` when none. */
  encoding: string;
}

export interface ReceiverOptions {
  /** The Bearer key the receiver accepts. */
  apiKey: string;
  /** Where accepted events are printed readably; `false` for silence. Default: stdout. */
  print?: ((line: string) => void) | false;
  /** Events kept for `GET /events`, oldest dropped first. Default 10,000. */
  maxEvents?: number;
}

export const SEND_PATH = '/api/fullstack/v1/send';
const MAX_BODY = 1024 * 1024;
const STRING_FIELDS = ['payload', 'level', 'metadata', 'title', 'origin'] as const;

const inflate: Record<string, (input: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
};

const failure = (message: string, errorName = '') =>
  JSON.stringify({ success: 'false', error: [{ error_name: errorName, message }] });

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
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
  if (fields.timestamp !== undefined && !Number.isInteger(fields.timestamp))
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

/**
 * A local implementation of the fullstack send API, answering exactly as the real one
 * does, for development and tests. `GET /events` lists what it accepted (`?uuid=` filters).
 *
 * @example
 * const receiver = await startReceiver({ apiKey: 'dev-key' }, 4318);
 * init({ apiKey: 'dev-key', endpoint: receiver.url });
 */
export function createReceiver(options: ReceiverOptions) {
  const events: ReceivedEvent[] = [];
  const maxEvents = options.maxEvents ?? 10_000;
  const print =
    options.print === undefined
      ? (line: string) => process.stdout.write(`${line}\n`)
      : options.print;
  let nextId = 1;

  async function send(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
      reply(res, 401, failure('User is not logged in!', 'ErrUserNotLoggedIn'));
      return;
    }
    const raw = await readBody(req);
    if (raw === undefined) return reply(res, 413, failure('Body too large'));
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    let text: string;
    try {
      const decode = inflate[encoding];
      if (decode === undefined && encoding !== 'identity')
        return reply(res, 415, failure(`Unsupported encoding ${printable(encoding, 20)}`));
      text = (decode ? await decode(raw) : raw).toString('utf8');
    } catch {
      return reply(res, 400, failure('Body could not be decompressed'));
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return reply(res, 400, failure('Body must be JSON'));
    }
    const checked = validate(body);
    if (typeof checked === 'string')
      return reply(res, checked.startsWith('No BugReplay') ? 200 : 400, failure(checked));
    const event: ReceivedEvent = { id: nextId++, receivedAt: Date.now(), encoding, ...checked };
    events.push(event);
    if (events.length > maxEvents) events.shift();
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

  function list(url: URL, res: ServerResponse): void {
    const uuid = url.searchParams.get('uuid');
    reply(res, 200, JSON.stringify(uuid === null ? events : events.filter((e) => e.uuid === uuid)));
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://receiver');
    if (req.method === 'POST' && url.pathname === SEND_PATH) {
      send(req, res).catch(() => reply(res, 500, failure('Receiver error')));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/events') return list(url, res);
    if (req.method === 'DELETE' && url.pathname === '/events') {
      events.length = 0;
      return reply(res, 200, '{"success":"true"}');
    }
    reply(res, 404, failure('Not found'));
  });
  return { server, events };
}

/** Starts a receiver on `port` (0 for any free one) at `host`; resolves with its send URL. */
export async function startReceiver(options: ReceiverOptions, port = 0, host = '127.0.0.1') {
  const { server, events } = createReceiver(options);
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const base = `http://${host}:${address.port}`;
  return {
    url: `${base}${SEND_PATH}`,
    base,
    port: address.port,
    events,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
