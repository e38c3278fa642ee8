import type { IncomingHttpHeaders } from 'node:http';
import { type ContextInit, fromCarrier } from '../core/context.js';

/** Which AWS service invoked the function, as far as the event's shape tells. */
export type LambdaEventKind =
  | 'rest'
  | 'http'
  | 'url'
  | 'websocket'
  | 'alb'
  | 'sqs'
  | 'sns'
  | 'other';

/** What an event says about its request: the pieces replaylink reads, nothing copied. */
export interface LambdaRequest {
  readonly kind: LambdaEventKind;
  readonly method: string;
  readonly path: string;
  /** The event's headers, names as the event wrote them (v1 keeps case, v2 lowercases). */
  readonly headers: Record<string, unknown> | undefined;
  readonly multiValueHeaders: Record<string, unknown> | undefined;
  readonly query: Record<string, unknown> | undefined;
  readonly multiValueQuery: Record<string, unknown> | undefined;
  /** API Gateway's `requestContext`, when the event has one. */
  readonly requestContext: Record<string, unknown> | undefined;
  /** SQS / SNS message attributes of the first record, as name → text. */
  readonly attributes: Record<string, string> | undefined;
}

type Obj = Record<string, unknown>;

function object(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Obj)
    : undefined;
}

function string(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

const EVENT_TYPES = new Set(['CONNECT', 'MESSAGE', 'DISCONNECT']);

/** SQS `messageAttributes` (`stringValue`) or SNS `MessageAttributes` (`Value`), as text. */
function attributesOf(record: Obj): Record<string, string> | undefined {
  const raw =
    object(record.messageAttributes) ?? object(record.Sns && object(record.Sns)?.MessageAttributes);
  if (raw === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const name of Object.keys(raw).slice(0, 64)) {
    const attribute = object(raw[name]);
    const value = string(attribute?.stringValue) ?? string(attribute?.Value);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function messageKind(record: Obj): LambdaEventKind {
  if (record.eventSource === 'aws:sqs') return 'sqs';
  if (record.EventSource === 'aws:sns') return 'sns';
  return 'other';
}

function base(kind: LambdaEventKind, method: string, path: string): LambdaRequest {
  return {
    kind,
    method,
    path,
    headers: undefined,
    multiValueHeaders: undefined,
    query: undefined,
    multiValueQuery: undefined,
    requestContext: undefined,
    attributes: undefined,
  };
}

/**
 * Reads an invocation event: API Gateway REST (v1 proxy), HTTP API (v2), WebSocket, ALB,
 * Lambda function URL, an SQS or SNS batch, or anything else. Never throws; a shape it
 * does not know is `other`.
 */
export function recognise(event: unknown): LambdaRequest {
  const e = object(event);
  if (e === undefined) return base('other', 'INVOKE', '');
  const requestContext = object(e.requestContext);
  if (requestContext === undefined) {
    const records = Array.isArray(e.Records) ? e.Records : undefined;
    const first = object(records?.[0]);
    if (first === undefined) return base('other', 'INVOKE', '');
    const kind = messageKind(first);
    return {
      ...base(kind, kind === 'other' ? 'INVOKE' : kind.toUpperCase(), ''),
      attributes: attributesOf(first),
    };
  }
  const http = {
    headers: object(e.headers),
    multiValueHeaders: object(e.multiValueHeaders),
    query: object(e.queryStringParameters),
    multiValueQuery: object(e.multiValueQueryStringParameters),
    requestContext,
    attributes: undefined,
  };
  const eventType = string(requestContext.eventType);
  if (eventType !== undefined && EVENT_TYPES.has(eventType) && requestContext.connectionId)
    return {
      kind: 'websocket',
      method: eventType,
      path: string(requestContext.routeKey) ?? '',
      ...http,
    };
  const v2 = object(requestContext.http);
  if (e.version === '2.0' && v2 !== undefined) {
    const domain = string(requestContext.domainName) ?? '';
    return {
      kind: domain.includes('.lambda-url.') ? 'url' : 'http',
      method: string(v2.method) ?? 'GET',
      path: string(e.rawPath) ?? string(v2.path) ?? '/',
      ...http,
    };
  }
  return {
    kind: object(requestContext.elb) !== undefined ? 'alb' : 'rest',
    method: string(e.httpMethod) ?? string(requestContext.httpMethod) ?? 'GET',
    path: string(e.path) ?? '/',
    ...http,
  };
}

/** Whether an event came through an HTTP front door (API Gateway, ALB, function URL). */
export function isHttp(kind: LambdaEventKind): boolean {
  return kind === 'rest' || kind === 'http' || kind === 'url' || kind === 'alb';
}

/** The value of `name` (lower case) in a headers-like object whose names may be in any case. */
function lookup(source: Obj | undefined, name: string): unknown {
  if (source === undefined) return undefined;
  if (Object.hasOwn(source, name)) return source[name];
  for (const key of Object.keys(source)) if (key.toLowerCase() === name) return source[key];
  return undefined;
}

/** One value, or the list when repeated (which the id check rejects as ambiguous). */
function single(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.length === 1 ? value[0] : value.map(String);
}

/** The names (lower case) to read, by id kind, from headers and from the query string. */
export interface IdSources {
  readonly headers: readonly string[];
  readonly query: readonly (string | undefined)[];
}

/**
 * The ids of an event as an incoming-headers object keyed by the configured header names:
 * from `multiValueHeaders` (a repeated id stays a list, so it is rejected), `headers` in
 * any case, then the query string, then SQS/SNS message attributes (a `carrier()`).
 */
export function idHeaders(request: LambdaRequest, sources: IdSources): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (let i = 0; i < sources.headers.length; i++) {
    const name = sources.headers[i]!;
    let value = single(lookup(request.multiValueHeaders, name)) ?? lookup(request.headers, name);
    const queryName = sources.query[i];
    if (value === undefined && queryName !== undefined)
      value =
        single(lookup(request.multiValueQuery, queryName)) ?? lookup(request.query, queryName);
    if (value === undefined && request.attributes !== undefined)
      value = lookup(request.attributes, name);
    if (typeof value === 'string' || Array.isArray(value)) out[name] = value as string | string[];
  }
  return out;
}

/**
 * The ids an SQS or SNS record carries in its message attributes (a `carrier()` the
 * producer put there), validated like headers. For a batch whose records come from
 * different requests: restore each record's own ids.
 *
 * @example
 * for (const record of event.Records)
 *   await runWithContext(fromMessageAttributes(record), () => handle(record));
 */
export function fromMessageAttributes(record: unknown): ContextInit {
  const r = object(record);
  return r === undefined ? {} : fromCarrier(attributesOf(r) ?? {});
}
