import type { IncomingMessage, ServerResponse } from 'node:http';
import { crypto } from '../core/builtins.js';
import { ReplayLinkError } from '../core/errors.js';
import { isMetadataType, resolveAttribute } from './attributes.js';
import { liveRegistry } from './lifecycle.js';
import type { Registry } from './registry.js';
import { autocomplete, type Parsed, parseQuery, type Query, runSearch } from './search.js';
import { toLiveSession } from './session.js';

/** Options of {@link liveSessionsApi}. */
export interface LiveSessionsApiOptions {
  /** The organization API key clients send in `Authorization` (a `Bearer ` prefix is accepted). */
  apiKey: string;
}

/** A framework-free request handler; `next` is called for paths the API does not own. */
export type LiveSessionsHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/** Search bodies are small; anything past this is refused with 413. */
export const MAX_BODY_BYTES = 64 * 1024;

const ROUTE = /^\/api\/v1\/([^/?]+)\/assist\/(sessions|autocomplete)(?:\/([^/?]+))?\/?(?:\?|$)/;

const digest = (value: string) => crypto().createHash('sha256').update(value).digest();

function send(res: ServerResponse, status: number, body: unknown, extra?: Record<string, string>) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(text);
}

const fail = (
  res: ServerResponse,
  status: number,
  errors: string[],
  extra?: Record<string, string>,
) => send(res, status, { errors }, extra);

type Body = { ok: true; value: unknown } | { ok: false; status: number; error: string };

function parseText(text: string): Body {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, status: 400, error: 'body: malformed JSON' };
  }
}

const TOO_LARGE: Body = {
  ok: false,
  status: 413,
  error: `body: larger than ${MAX_BODY_BYTES} bytes`,
};

/** The JSON body, from a body parser that already ran or from the stream (capped). */
function readBody(req: IncomingMessage): Promise<Body> {
  const parsed = (req as { body?: unknown }).body;
  if (typeof parsed === 'string') return Promise.resolve(parseText(parsed));
  if (Buffer.isBuffer(parsed)) return Promise.resolve(parseText(parsed.toString('utf8')));
  if (typeof parsed === 'object' && parsed !== null)
    return Promise.resolve({ ok: true, value: parsed });
  if (Number(req.headers['content-length']) > MAX_BODY_BYTES) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume(); // discard the rest
      resolve(TOO_LARGE);
    };
    req.on('data', onData);
    req.on('end', () => resolve(parseText(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', () => resolve({ ok: false, status: 400, error: 'body: aborted' }));
  });
}

/**
 * The query of a plain GET: every live session (the registry holds at most `maxSessions`),
 * or, as the reference does, those whose user id contains `?userId=`.
 */
function listQuery(req: IncomingMessage): Parsed {
  const userIds = new URL(req.url ?? '', 'http://localhost').searchParams
    .getAll('userId')
    .filter((id) => id !== '');
  const parsed = parseQuery(
    userIds.length === 0 ? {} : { filters: [{ type: 'USERID', value: userIds }] },
  );
  if (parsed.errors)
    return { errors: parsed.errors.map((e) => e.replace('filters[0].value', 'userId')) };
  return { query: { ...parsed.query, limit: Number.MAX_SAFE_INTEGER } };
}

async function answerSearch(req: IncomingMessage, res: ServerResponse, registry: Registry) {
  let query: Query;
  if (req.method !== 'POST') {
    const parsed = listQuery(req);
    if (parsed.errors) return fail(res, 400, parsed.errors);
    query = parsed.query;
  } else {
    const body = await readBody(req);
    if (!body.ok) {
      const close = body.status === 413 ? { connection: 'close' } : undefined;
      return fail(res, body.status, [body.error], close);
    }
    const parsed = parseQuery(body.value);
    if (parsed.errors) return fail(res, 400, parsed.errors);
    query = parsed.query;
  }
  const { liveWindowMs } = registry.options;
  const now = Date.now();
  const found = runSearch(await registry.sessions(now), query, now, liveWindowMs);
  const sessions = found.sessions.map((s) => toLiveSession(s, now, liveWindowMs));
  return send(res, 200, { data: { total: found.total, sessions } });
}

async function answerSession(res: ServerResponse, registry: Registry, id: string) {
  const { liveWindowMs } = registry.options;
  const now = Date.now();
  for (const s of await registry.sessions(now)) {
    if (s.sessionID === id && now - s.timestamp <= liveWindowMs)
      return send(res, 200, { data: toLiveSession(s, now, liveWindowMs) });
  }
  return fail(res, 404, ['session not found.']);
}

async function answerAutocomplete(req: IncomingMessage, res: ServerResponse, registry: Registry) {
  const params = new URL(req.url ?? '', 'http://localhost').searchParams;
  const key = params.get('key') ?? '';
  const source = params.get('source') || undefined;
  if (isMetadataType(key) && source === undefined)
    return fail(res, 400, ['source: required when key is METADATA']);
  const attribute = resolveAttribute(key, source);
  if (attribute === undefined)
    return fail(res, 400, ['key: expected the name of a session attribute']);
  const now = Date.now();
  const sessions = await registry.sessions(now);
  const q = params.get('q') ?? '';
  const values = autocomplete(sessions, attribute, q, now, registry.options.liveWindowMs);
  return send(res, 200, { data: values.map((value) => ({ type: attribute.name, value })) });
}

/**
 * The OpenReplay Assist-style API over the live sessions registry, as one framework-free
 * handler: `GET`/`POST /api/v1/:projectKey/assist/sessions`,
 * `GET …/assist/sessions/:sessionId` and `GET …/assist/autocomplete?key=&q=`. Other paths
 * go to `next()` (or get a 404 without one). Needs `init({ liveSessions: … })`.
 *
 * @example
 * import express from 'express';
 * import { liveSessionsApi } from 'replaylink';
 * const app = express();
 * app.use(liveSessionsApi({ apiKey: process.env.ASSIST_API_KEY }));
 */
export function liveSessionsApi(options: LiveSessionsApiOptions): LiveSessionsHandler {
  const apiKey = (options as Partial<LiveSessionsApiOptions> | undefined)?.apiKey;
  if (typeof apiKey !== 'string' || apiKey.length === 0)
    throw new ReplayLinkError(
      'ERR_REPLAYLINK_INVALID_OPTION',
      `replaylink: option "apiKey" is ${apiKey === '' ? 'empty' : typeof apiKey}; expected a non-empty string — the live sessions API refuses to mount without a key`,
    );
  const expected = digest(apiKey);

  // Equal-length digests compared in constant time; both the raw value and the value
  // after a `Bearer ` prefix are checked, always, so timing does not reveal which.
  function authorized(header: string | string[] | undefined): boolean {
    if (typeof header !== 'string') return false;
    const bearer = /^bearer /i.test(header) ? header.slice(7) : header;
    const raw = crypto().timingSafeEqual(digest(header), expected);
    const stripped = crypto().timingSafeEqual(digest(bearer), expected);
    return raw || stripped;
  }

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    project: string,
    resource: string,
    id: string | undefined,
  ): Promise<void> {
    if (!authorized(req.headers.authorization)) return fail(res, 401, ['Invalid API Key']);
    const registry = liveRegistry().current;
    if (registry === undefined || registry.options.projectKey !== project)
      return fail(res, 404, ['project not found.']);
    const allowed = resource === 'sessions' && id === undefined ? 'GET, POST' : 'GET';
    if (!allowed.split(', ').includes(req.method ?? ''))
      return fail(res, 405, ['method not allowed'], { allow: allowed });
    if (resource === 'autocomplete') return answerAutocomplete(req, res, registry);
    if (id !== undefined) return answerSession(res, registry, id);
    return answerSearch(req, res, registry);
  }

  return function liveSessions(req, res, next) {
    const match = ROUTE.exec(req.url ?? '');
    if (match === null) {
      if (next) return next();
      return fail(res, 404, ['not found']);
    }
    const [, project, resource, id] = match;
    if (resource === 'autocomplete' && id !== undefined)
      return next ? next() : fail(res, 404, ['not found']);
    handle(req, res, project!, resource!, id === undefined ? undefined : safeDecode(id)).catch(
      () => {
        // Nothing in handle() is expected to throw; never let a rejection reach the app.
        try {
          if (res.headersSent) res.destroy();
          else fail(res, 500, ['internal error']);
        } catch {}
      },
    );
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
