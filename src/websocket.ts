import type { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  type AccessLog,
  type AccessRecord,
  type EventType,
  sourceIpOf,
} from './access-log/index.js';
import { type AdapterEntryOptions, adapterSetup } from './adapter.js';
import { randomUUID } from './core/builtins.js';
import { contextFromRequest } from './core/context.js';
import { invalidOption } from './core/errors.js';
import type { InternalContext } from './core/model.js';
import { state } from './core/state.js';
import { kWebSocket } from './core/symbols.js';

/** Options of a WebSocket server integration. */
export interface WebSocketOptions extends AdapterEntryOptions {
  /**
   * Where `$context.routeKey` of a `MESSAGE` comes from, as in API Gateway:
   * `$request.body.<path>` of a JSON text message. Default `$request.body.action`;
   * `$default` when the message is not JSON or has no string there.
   */
  routeSelectionExpression?: string;
}

type Emit = EventEmitter['emit'];

interface Connection {
  readonly context: InternalContext;
  readonly req: IncomingMessage;
  readonly id: string;
  readonly connectedAt: number;
  readonly sourceIp: string | undefined;
  error: unknown;
}

const EXPRESSION = /^\$request\.body(?:\.[A-Za-z0-9_$-]+)+$/;
// Bigger messages are not parsed for their route: routing must not cost unbounded time.
const MAX_ROUTED_BYTES = 64 * 1024;

function selectionPath(expression: unknown): string[] {
  if (expression === undefined) return ['action'];
  if (typeof expression !== 'string' || !EXPRESSION.test(expression))
    throw invalidOption('routeSelectionExpression', expression, '"$request.body.<property>"');
  return expression.split('.').slice(2);
}

function messageText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]).toString('utf8');
  return undefined;
}

function byteLength(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (data instanceof Uint8Array || data instanceof ArrayBuffer) return data.byteLength;
  if (Array.isArray(data)) return (data as Buffer[]).reduce((n, b) => n + b.byteLength, 0);
  return 0;
}

/** API Gateway's route selection over one message. */
function selectRoute(path: readonly string[], data: unknown, isBinary: unknown): string {
  if (isBinary === true || byteLength(data) > MAX_ROUTED_BYTES) return '$default';
  let value: unknown;
  try {
    value = JSON.parse(messageText(data) ?? '');
  } catch {
    return '$default';
  }
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key))
      return '$default';
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'string' && value !== '' ? value : '$default';
}

function record(
  connection: Connection,
  eventType: EventType,
  fields: Partial<AccessRecord> & Pick<AccessRecord, 'routeKey' | 'status'>,
): AccessRecord {
  return {
    eventType,
    context: connection.context,
    req: connection.req,
    sourceIp: connection.sourceIp,
    requestId: connection.context.requestId,
    error: undefined,
    integrationLatency: undefined,
    responseLatency: undefined,
    responseLength: undefined,
    connectionId: connection.id,
    connectedAt: connection.connectedAt,
    messageId: undefined,
    ...fields,
  };
}

/** Runs one 'message' emit and logs it, also when a listener throws (then rethrows). */
function emitMessage(
  socket: EventEmitter,
  emit: Emit,
  args: unknown[],
  connection: Connection,
  log: AccessLog,
  path: readonly string[],
): boolean {
  const started = performance.now();
  let error: unknown;
  try {
    return emit.apply(socket, ['message', ...args]);
  } catch (thrown) {
    error = thrown;
    throw thrown;
  } finally {
    const messageId = randomUUID();
    log.write(
      record(connection, 'MESSAGE', {
        requestId: messageId,
        messageId,
        routeKey: () => selectRoute(path, args[0], args[1]),
        status: undefined,
        error,
        integrationLatency: Math.round(performance.now() - started),
      }),
    );
  }
}

/**
 * Makes every event of one WebSocket run in its connection's context, logs `MESSAGE`
 * after the message listeners ran and `DISCONNECT` after the close listeners.
 * `emit` is wrapped rather than listeners added, so the socket behaves as before
 * (an unhandled 'error' still throws).
 */
function bindSocket(
  socket: EventEmitter,
  connection: Connection,
  log: AccessLog | undefined,
  path: readonly string[],
) {
  const emit = socket.emit;
  const { als } = state;
  const { context } = connection;
  socket.emit = function (this: EventEmitter, event: string | symbol, ...args: unknown[]) {
    if (als.getStore() !== context)
      return als.run(context, () => socket.emit.call(this, event, ...args));
    if (event === 'error' && connection.error === undefined) connection.error = args[0];
    if (log === undefined) return emit.call(this, event, ...args);
    if (event === 'message') return emitMessage(this, emit, args, connection, log, path);
    if (event !== 'close') return emit.call(this, event, ...args);
    try {
      return emit.call(this, event, ...args);
    } finally {
      log.write(
        record(connection, 'DISCONNECT', {
          routeKey: () => '$disconnect',
          status: typeof args[0] === 'number' ? args[0] : undefined,
          error: connection.error,
        }),
      );
    }
  } as Emit;
}

/** The part of a WebSocket server replaylink hooks: `ws`'s `handleUpgrade`. */
export interface UpgradingServer {
  handleUpgrade(
    req: IncomingMessage,
    socket: unknown,
    head: unknown,
    callback: (client: EventEmitter, req: IncomingMessage) => void,
  ): void;
}

function connect(req: IncomingMessage, log: AccessLog | undefined): Connection {
  const context = contextFromRequest(req.headers, req.method, req.url);
  return {
    context,
    req,
    id: randomUUID(),
    connectedAt: context.startedAt,
    sourceIp: log?.uses('identity.sourceIp') ? sourceIpOf(req) : undefined,
    error: undefined,
  };
}

/**
 * Gives every connection of a WebSocket server the context of its upgrade request,
 * and logs CONNECT, MESSAGE and DISCONNECT when `accessLog` is set. The completed
 * upgrade's callback (where `ws` emits 'connection') runs in that context, whether the
 * server listens itself, shares an HTTP server, or is used with `noServer`.
 * Returns the server. A second call on the same server changes nothing.
 */
export function attachWebSocketServer<T extends UpgradingServer>(
  server: T,
  options: WebSocketOptions = {},
): T {
  const { routeSelectionExpression, ...rest } = options;
  const path = selectionPath(routeSelectionExpression);
  const { accessLog: log } = adapterSetup(rest);
  const tagged = server as T & { [kWebSocket]?: true };
  if (tagged[kWebSocket]) return server;
  tagged[kWebSocket] = true;

  const handleUpgrade = server.handleUpgrade;
  server.handleUpgrade = function (this: T, req, socket, head, callback) {
    const connected: typeof callback = (client, ...more) => {
      const connection = connect(req, log);
      bindSocket(client, connection, log, path);
      state.als.run(connection.context, () => {
        const started = performance.now();
        try {
          callback(client, ...more);
        } finally {
          log?.write(
            record(connection, 'CONNECT', {
              routeKey: () => '$connect',
              status: 101,
              integrationLatency: Math.round(performance.now() - started),
            }),
          );
        }
      });
    };
    return handleUpgrade.call(this, req, socket, head, connected);
  };
  return server;
}
