import diagnosticsChannel from 'node:diagnostics_channel';
import type http from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { http as httpModule, https } from '../core/builtins.js';
import { diagnose } from '../core/diagnostics.js';
import type { InternalContext } from '../core/model.js';
import { state } from '../core/state.js';
import { propagateState } from './options.js';

/** The id headers a context sends downstream, under the names this service reads them by. */
function outgoingHeaders(context: InternalContext): Array<[string, string]> {
  const names = state.options.headers;
  const headers: Array<[string, string]> = [];
  if (context.sessionToken !== undefined) headers.push([names.sessionToken, context.sessionToken]);
  if (context.recordingId !== undefined) headers.push([names.recordingId, context.recordingId]);
  if (context.sessionId !== undefined) headers.push([names.sessionId, context.sessionId]);
  return headers;
}

/** Whether `origin` is on the allowlist: the token is a credential, never sent elsewhere. */
function allowed(origin: string): boolean {
  const config = propagateState().propagate;
  if (config === undefined) return false;
  return config.origins.has(origin) || config.patterns.some((pattern) => pattern.test(origin));
}

/** The ids to add for a call to `origin` from the current context, if any. */
function headersFor(origin: () => string | undefined): Array<[string, string]> | undefined {
  const context = state.als.getStore();
  if (context === undefined) return undefined;
  const headers = outgoingHeaders(context);
  if (headers.length === 0) return undefined;
  const target = origin();
  return target !== undefined && allowed(target) ? headers : undefined;
}

function failed(where: string, error: unknown): void {
  state.stats.propagationErrors++;
  diagnose(`propagation (${where}) failed: ${error instanceof Error ? error.message : error}`);
}

interface UndiciRequest {
  origin: string | URL;
  headers: string | string[];
  addHeader(name: string, value: string): unknown;
}

/** undici keeps headers as a flat [name, value, …] array (v6+) or raw text (v5). */
function undiciHas(headers: UndiciRequest['headers'], name: string): boolean {
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (headers[i]?.toLowerCase() === name) return true;
    return false;
  }
  return (
    headers.toLowerCase().startsWith(`${name}:`) || headers.toLowerCase().includes(`\n${name}:`)
  );
}

/** `undici:request:create`: published by global fetch (Node's bundled undici) and undici. */
function onUndiciRequest(message: unknown): void {
  try {
    const request = (message as { request: UndiciRequest }).request;
    // undici keeps the origin already normalised (a URL's `origin`), or as a URL.
    const origin = request.origin;
    const headers = headersFor(() => (typeof origin === 'string' ? origin : origin.origin));
    if (headers === undefined) return;
    for (const [name, value] of headers)
      if (!undiciHas(request.headers, name)) request.addHeader(name, value);
    state.stats.propagated++;
  } catch (error) {
    failed('undici', error);
  }
}

type RequestFn = typeof http.request;
type Args = unknown[];
type PortOptions = { port?: unknown; defaultPort?: unknown } | null;

/** The port a `http.request(...)` call connects to, as Node derives it from the arguments. */
function portOf(args: Args): string {
  const [first, second] = args;
  let port: unknown;
  if (typeof first === 'string' || first instanceof URL) {
    port = new URL(first).port;
    if (typeof second === 'object') port = (second as PortOptions)?.port ?? port;
  } else if (typeof first === 'object') {
    port = (first as PortOptions)?.port ?? (first as PortOptions)?.defaultPort;
  }
  return port === undefined || port === null || port === '' ? '' : `:${port}`;
}

function clientOrigin(req: http.ClientRequest, args: Args): string {
  const host = req.host.includes(':') ? `[${req.host}]` : req.host;
  return new URL(`${req.protocol}//${host}${portOf(args)}`).origin;
}

function addToClientRequest(req: http.ClientRequest, args: Args): void {
  try {
    const headers = headersFor(() => clientOrigin(req, args));
    if (headers === undefined) return;
    // Raw array headers are flushed at construction; those requests are left as they are.
    if (req.headersSent) throw new Error('headers were already sent');
    for (const [name, value] of headers)
      if (req.getHeader(name) === undefined) req.setHeader(name, value);
    state.stats.propagated++;
  } catch (error) {
    failed('http', error);
  }
}

/**
 * Wraps `request` and `get` of `http` or `https`. Node 20 publishes
 * `http.client.request.start` only after the headers were flushed, too late to add any.
 */
function wrapModule(module: typeof http | ReturnType<typeof https>): () => void {
  const original = { request: module.request, get: module.get };
  let active = true;
  const request = function (this: unknown, ...args: Args) {
    const req = Reflect.apply(original.request, this, args) as http.ClientRequest;
    if (active) addToClientRequest(req, args);
    return req;
  } as RequestFn;
  const get = function (this: unknown, ...args: Args) {
    const req = Reflect.apply(request, this, args) as http.ClientRequest;
    req.end();
    return req;
  } as RequestFn;
  module.request = request;
  module.get = get;
  return () => {
    active = false;
    // Someone may have wrapped us since; then leave their wrapper and just go inert.
    if (module.request === request) module.request = original.request;
    if (module.get === get) module.get = original.get;
  };
}

/**
 * Adds the request's id headers to outgoing calls to allowlisted origins. Reads the
 * allowlist from the current options on each call. Returns the uninstall function.
 */
export function installPropagation(): () => void {
  diagnosticsChannel.subscribe('undici:request:create', onUndiciRequest);
  const unwrapHttp = wrapModule(httpModule);
  const unwrapHttps = wrapModule(https());
  // `import { request } from 'node:http'` sees the wrappers too.
  syncBuiltinESMExports();
  return () => {
    diagnosticsChannel.unsubscribe('undici:request:create', onUndiciRequest);
    unwrapHttps();
    unwrapHttp();
    syncBuiltinESMExports();
  };
}
