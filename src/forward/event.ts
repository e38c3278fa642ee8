import type { Breadcrumb } from '../core/breadcrumbs.js';
import type { ForwardEvent, InternalContext } from '../core/model.js';
import { factsOf, routeOf } from '../core/request.js';
import { isSecretKey, REDACTED, safeJson, stackOf, titleOf, truncate } from './serialize.js';

export type { ForwardEvent };

/** What building an event needs from the forwarding options. */
interface EventSettings {
  readonly origin: string;
}

const MAX_PAYLOAD = 64 * 1024;
const MAX_TITLE = 200;
const MAX_METADATA = 16 * 1024;

function statusOf(thrown: unknown): number | undefined {
  if (typeof thrown !== 'object' || thrown === null) return undefined;
  try {
    const { status, statusCode } = thrown as { status?: unknown; statusCode?: unknown };
    const value = typeof status === 'number' ? status : statusCode;
    return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** HTTP status an error asks for (`status` or `statusCode`), if any. */
export { statusOf };

function metadataOf(
  context: InternalContext,
  extra: unknown,
  status: number | undefined,
  breadcrumbs: readonly Breadcrumb[] = [],
): string {
  const facts = factsOf(context);
  const base: Record<string, unknown> = {
    method: context.method,
    route: routeOf(context),
    path: context.path,
    status: status ?? (facts?.res.headersSent ? facts.res.statusCode : undefined),
    requestId: context.requestId,
    node: process.version,
  };
  if (breadcrumbs.length > 0) base.breadcrumbs = breadcrumbs;
  if (typeof extra !== 'object' || extra === null) return safeJson(base);
  const full = { ...base };
  for (const key of Object.keys(extra)) {
    if (key in base) continue;
    const value = isSecretKey(key) ? REDACTED : (extra as Record<string, unknown>)[key];
    Object.defineProperty(full, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const text = safeJson(full);
  // Cutting JSON text would break it: keep the request facts and say what was dropped.
  return text.length <= MAX_METADATA ? text : safeJson({ ...base, metadataTruncated: true });
}

/** Builds an exception event for a context that has a recording id. */
export function exceptionEvent(
  context: InternalContext & { recordingId: string },
  thrown: unknown,
  extra: unknown,
  options: EventSettings,
  status: number | undefined,
  timestamp: number,
  breadcrumbs: readonly Breadcrumb[] = [],
): ForwardEvent {
  return {
    uuid: context.recordingId,
    type: 'exception',
    payload: truncate(stackOf(thrown), MAX_PAYLOAD),
    level: 'error',
    timestamp,
    metadata: metadataOf(context, extra, status, breadcrumbs),
    title: truncate(titleOf(thrown), MAX_TITLE),
    origin: options.origin,
  };
}

/** Builds a log event for a context that has a recording id. */
export function logEvent(
  context: InternalContext & { recordingId: string },
  message: string,
  level: string,
  details: { title?: string | undefined; metadata?: unknown },
  options: EventSettings,
  timestamp: number,
): ForwardEvent {
  const firstLine = message.split('\n', 1)[0] ?? '';
  return {
    uuid: context.recordingId,
    type: 'log',
    payload: truncate(message, MAX_PAYLOAD),
    level,
    timestamp,
    metadata: metadataOf(context, details.metadata, undefined),
    title: truncate(details.title ?? firstLine, MAX_TITLE),
    origin: options.origin,
  };
}
