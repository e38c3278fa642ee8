import type { IncomingMessage } from 'node:http';
import type { RequestContext } from '../core/model.js';

/** `REQUEST` for HTTP; the three WebSocket events as API Gateway names them. */
export type EventType = 'REQUEST' | 'CONNECT' | 'MESSAGE' | 'DISCONNECT';

/** Everything one access-log line may show; variables read only what they need. */
export interface AccessRecord {
  readonly eventType: EventType;
  readonly context: RequestContext;
  /** The HTTP request, or the WebSocket upgrade request; none for a Lambda invocation. */
  readonly req: IncomingMessage | undefined;
  /**
   * API Gateway's `requestContext` of a Lambda event (REST, HTTP API or WebSocket): the
   * variables it carries print its values rather than ours.
   */
  readonly event?: Readonly<Record<string, unknown>> | undefined;
  /** Peer address, read when the request starts (a closed socket forgets it). */
  readonly sourceIp: string | undefined;
  /** Request id of this line: the request's, or the message's for `MESSAGE`. */
  /** `undefined`: the context's (made on first read). */
  readonly requestId: string | undefined;
  /** Computed on demand: it may ask the framework or parse a message. */
  readonly routeKey: () => string | undefined;
  readonly status: number | undefined;
  readonly error: unknown;
  /** Milliseconds the handler took. */
  readonly integrationLatency: number | undefined;
  /** Milliseconds until the response was sent. */
  readonly responseLatency: number | undefined;
  readonly responseLength: number | undefined;
  readonly connectionId: string | undefined;
  readonly connectedAt: number | undefined;
  readonly messageId: string | undefined;
  /** Per-line memo of the `authorizer` callback's result. */
  authorized?: { value: unknown };
}

/** The client address of a request: Express's `req.ip` (it honours `trust proxy`) or the peer's. */
export function sourceIpOf(req: IncomingMessage): string | undefined {
  // Express's default (`trust proxy` off) makes `req.ip` the peer's address, after
  // parsing X-Forwarded-For for nothing: read the peer's directly.
  const app = (req as { app?: { settings?: Record<string, unknown> } }).app;
  if (app?.settings?.['trust proxy'] === false) return req.socket?.remoteAddress;
  const ip = (req as { ip?: unknown }).ip;
  return typeof ip === 'string' ? ip : req.socket?.remoteAddress;
}
