import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

/** What a matrix route gets, whatever the framework: the `:id` param and the raw response. */
export interface RouteInput {
  id: string;
  res: ServerResponse;
}

/** What a matrix route answers: text, JSON, or a stream piped to the response. */
export type RouteResult = { text: string } | { json: unknown } | { stream: Readable };

export type Route = (input: RouteInput) => Promise<RouteResult>;

/** Routes by name; every app serves them at `GET /r/:name/:id`. */
export type Routes = Record<string, Route>;

/** Looks up a route from the URL path of a framework without a router. */
export function matchRoute(routes: Routes, url: string | undefined): [Route, string] | undefined {
  const match = /^\/r\/([^/?]+)\/([^/?]+)/.exec(url ?? '');
  const route = match ? routes[match[1]!] : undefined;
  return route && match ? [route, match[2]!] : undefined;
}

/** Content-Type and body bytes of a text or JSON result. */
export function bodyOf(result: { text: string } | { json: unknown }): [string, string] {
  return 'text' in result
    ? ['text/plain; charset=utf-8', result.text]
    : ['application/json; charset=utf-8', JSON.stringify(result.json)];
}
