import type { WebSocketServer } from 'ws';
import { attachWebSocketServer, type WebSocketOptions } from '../src/index.js';

/** Options of {@link wsReplayLink}: `accessLog`, `routeSelectionExpression` and `init` options. */
export type WsReplayLinkOptions = WebSocketOptions;

/**
 * Follows a `ws` server: each connection gets the context of its upgrade request's
 * headers, every `message` listener runs inside it (stamped logs, `getContext()`), and
 * with `accessLog` CONNECT, MESSAGE and DISCONNECT lines are written.
 * Works the same when the server shares an Express/Koa/Nest HTTP server.
 *
 * @example
 * import { WebSocketServer } from 'ws';
 * import { wsReplayLink } from 'replaylink/ws';
 * const wss = wsReplayLink(new WebSocketServer({ server }), { accessLog: { format: 'json' } });
 * wss.on('connection', (ws) => ws.on('message', (data) => console.log('got', String(data))));
 */
export function wsReplayLink<T extends WebSocketServer>(wss: T, options?: WsReplayLinkOptions): T {
  return attachWebSocketServer(wss, options);
}
