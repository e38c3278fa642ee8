import type { IncomingHttpHeaders } from 'node:http';
import { randomUUID } from './builtins.js';
import { diagnose } from './diagnostics.js';
import { tagText } from './fields.js';
import {
  type IdKind,
  isValidId,
  readIdHeader,
  readTokenHeader,
  sessionIdOfToken,
} from './headers.js';
import type { InternalContext, RequestContext } from './model.js';
import { state } from './state.js';
import { kBreadcrumbs, kFacts, kInvalidRecording, kPrefix, kTags, kView } from './symbols.js';
import { noteUnstamped } from './unstamped.js';

/** Fields accepted by {@link runWithContext}. Ids are validated like headers. */
export interface ContextInit {
  sessionToken?: string | undefined;
  recordingId?: string | undefined;
  requestId?: string | undefined;
  sessionId?: string | undefined;
  method?: string | undefined;
  path?: string | undefined;
}

function stripQuery(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

interface Ids {
  sessionToken: string | undefined;
  recordingId: string | undefined;
  requestId: string | undefined;
  sessionId: string | undefined;
}

/**
 * A request's context. Every field, private ones included, is created by the constructor
 * so the object keeps one shape for its whole life; the request id (a fresh UUID when
 * none came in), the session id read from the token and the stamp prefix are made on
 * first read, since most requests never read one or the other.
 */
class Context {
  readonly sessionToken: string | undefined;
  readonly recordingId: string | undefined;
  readonly method: string;
  readonly path: string;
  readonly startedAt: number;
  #requestId: string | undefined;
  /** The sent session id; `null` until the one inside the token has been looked for. */
  #sessionId: string | undefined | null;
  #prefix: string | undefined = undefined;
  [kTags]: unknown = undefined;
  [kFacts]: unknown = undefined;
  [kView]: unknown = undefined;
  [kBreadcrumbs]: unknown = undefined;
  [kInvalidRecording] = false;

  constructor(ids: Ids, method: string, path: string) {
    this.sessionToken = ids.sessionToken;
    this.recordingId = ids.recordingId;
    this.#sessionId = ids.sessionId ?? (ids.sessionToken === undefined ? undefined : null);
    this.#requestId = ids.requestId;
    this.method = method;
    this.path = path;
    this.startedAt = Date.now();
  }

  /** The sent session id, else (unless `sessionIdFromToken` is off) the token's. */
  get sessionId(): string | undefined {
    if (this.#sessionId === null)
      this.#sessionId = state.options.sessionIdFromToken
        ? sessionIdOfToken(this.sessionToken as string)
        : undefined;
    return this.#sessionId;
  }

  get requestId(): string {
    if (this.#requestId === undefined) this.#requestId = randomUUID();
    return this.#requestId;
  }

  get [kPrefix](): string {
    if (this.#prefix === undefined) {
      const options = state.options;
      this.#prefix = options.stamp ? tagText(this as unknown as Ids, options) : '';
    }
    return this.#prefix;
  }
}

// What OpenReplay's log integrations read after `openReplaySessionToken=`.
const OPENREPLAY_TOKEN_TEXT = /[^0-9A-Za-z.]/;

/** In debug, says once that a token will be cut short by OpenReplay's own extraction. */
function noteCutShort(token: string): void {
  const at = token.search(OPENREPLAY_TOKEN_TEXT);
  if (at === -1 || state.warned.has('tokenCutShort')) return;
  state.warned.add('tokenCutShort');
  diagnose(
    `a session token holds "${token[at]}": it is stamped whole, but OpenReplay reads the ` +
      'token after "openReplaySessionToken=" as [0-9a-zA-Z.]+ and cuts it there, so its ' +
      'lines may not be found (said once)',
  );
}

function makeContext(ids: Ids, method: string, path: string): InternalContext {
  state.stats.contexts++;
  if (state.options.debug && ids.sessionToken !== undefined) noteCutShort(ids.sessionToken);
  return new Context(ids, method, path) as unknown as InternalContext;
}

function accept(kind: IdKind, value: string | undefined | null): string | undefined {
  if (value === null) {
    state.stats.invalidHeaders[kind]++;
    return undefined;
  }
  return value;
}

/** Builds a context from an incoming request's headers. Invalid ids are counted and dropped. */
export function contextFromRequest(
  headers: IncomingHttpHeaders,
  method: string | undefined,
  url: string | undefined,
): InternalContext {
  const names = state.options.headers;
  const recordingId = readIdHeader(headers, names.recordingId, 'recordingId');
  const context = makeContext(
    {
      sessionToken: accept('sessionToken', readTokenHeader(headers, state.options.tokenHeaders)),
      recordingId: accept('recordingId', recordingId),
      requestId: accept('requestId', readIdHeader(headers, names.requestId, 'requestId')),
      sessionId: accept('sessionId', readIdHeader(headers, names.sessionId, 'sessionId')),
    },
    method ?? 'GET',
    stripQuery(url ?? '/'),
  );
  // Kept so that events from this request count as "invalid header", not "no recording id".
  if (recordingId === null)
    (context as { [kInvalidRecording]?: boolean })[kInvalidRecording] = true;
  // No id to stamp: counted, and explained with `debug` (off the path of requests with ids).
  if (
    context.sessionToken === undefined &&
    context.recordingId === undefined &&
    context.sessionId === undefined
  )
    noteUnstamped(context, headers);
  return context;
}

function validated(kind: IdKind, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return accept(kind, isValidId(kind, value) ? value : null);
}

/** A request's ids as header names → values, to travel with a job or a message. */
export type Carrier = Record<string, string>;

const ID_KINDS = ['sessionToken', 'recordingId', 'requestId', 'sessionId'] as const;

/**
 * The current request's ids as a small plain object, header names → values (the
 * configured incoming header names), to attach to a job, a message's headers or a queue
 * payload. Empty outside a request. Restore them with `runWithContext(fromCarrier(c), fn)`.
 *
 * @example
 * await queue.add('email', { to, replaylink: carrier() });
 */
export function carrier(): Carrier {
  const context = state.als.getStore();
  const out: Carrier = {};
  if (context === undefined) return out;
  const names = state.options.headers;
  for (const kind of ID_KINDS) {
    const value = context[kind];
    if (value !== undefined) out[names[kind]] = value;
  }
  return out;
}

/** A carrier value as text: strings, and the Buffers some brokers give header values as. */
function carried(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array && value.length <= 1024)
    return Buffer.from(value).toString('utf8');
  return undefined;
}

/**
 * Reads the ids of a carrier made by {@link carrier} on the producer side — or any headers
 * object — validated like incoming headers (names case-insensitive; invalid, repeated or
 * non-text values are dropped and counted). Pass the result to {@link runWithContext}.
 *
 * @example
 * new Worker('email', (job) => runWithContext(fromCarrier(job.data.replaylink), () => send(job)));
 */
export function fromCarrier(input: unknown): ContextInit {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return {};
  const headers: IncomingHttpHeaders = {};
  let keys: string[];
  try {
    keys = Object.keys(input).slice(0, 64);
  } catch {
    return {};
  }
  for (const key of keys) {
    let value: unknown;
    try {
      value = (input as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    const text = carried(value);
    // A repeated name (two casings) is ambiguous, as a repeated header is.
    const name = key.toLowerCase();
    if (text !== undefined)
      headers[name] = Object.hasOwn(headers, name) ? [String(headers[name]), text] : text;
  }
  const names = state.options.headers;
  const init: ContextInit = {};
  for (const kind of ID_KINDS) {
    const value = accept(
      kind,
      kind === 'sessionToken'
        ? readTokenHeader(headers, state.options.tokenHeaders)
        : readIdHeader(headers, names[kind], kind),
    );
    if (value !== undefined) init[kind] = value;
  }
  return init;
}

/**
 * Returns the current request's context, or `undefined` outside any request: a plain,
 * frozen object of `sessionToken`, `recordingId`, `sessionId` (each when present),
 * `requestId`, `method`, `path` and `startedAt`, the same object for the whole request.
 *
 * @example
 * app.get('/orders', (req, res) => {
 *   const ctx = getContext();
 *   res.json({ requestId: ctx?.requestId });
 * });
 */
export function getContext(): RequestContext | undefined {
  const context = state.als.getStore();
  if (context === undefined) return undefined;
  return context[kView] ?? viewOf(context);
}

/** The documented fields only, frozen: what a user logs or spreads sees nothing private. */
function viewOf(context: InternalContext): RequestContext {
  const view: { -readonly [K in keyof RequestContext]: RequestContext[K] } = {
    requestId: context.requestId,
    method: context.method,
    path: context.path,
    startedAt: context.startedAt,
  };
  if (context.sessionToken !== undefined) view.sessionToken = context.sessionToken;
  if (context.recordingId !== undefined) view.recordingId = context.recordingId;
  if (context.sessionId !== undefined) view.sessionId = context.sessionId;
  Object.freeze(view);
  (context as { [kView]?: RequestContext })[kView] = view;
  return view;
}

/**
 * Runs `fn` inside a context built from `init`, for code outside any framework
 * (jobs, queue consumers, tests). Ids are validated like incoming headers.
 *
 * @example
 * queue.on('job', (job) =>
 *   runWithContext({ sessionToken: job.data.token }, () => processJob(job)),
 * );
 */
export function runWithContext<T>(init: ContextInit, fn: () => T): T {
  const context = makeContext(
    {
      sessionToken: validated('sessionToken', init.sessionToken),
      recordingId: validated('recordingId', init.recordingId),
      requestId: validated('requestId', init.requestId),
      sessionId: validated('sessionId', init.sessionId),
    },
    typeof init.method === 'string' ? init.method : 'JOB',
    typeof init.path === 'string' ? stripQuery(init.path) : '',
  );
  return state.als.run(context, fn);
}
