// Express 5 hello world (one console.log per request): replaylink step by step, and the
// peers a user would pick for the same job. The errors variant reuses this list.

const server = (name, options) => ({ file: 'express.mjs', name, options });

/**
 * The configurations, each on an app that throws in 1 % of requests when `throws`;
 * `express` names the package (`express4` for Express 4).
 */
export function expressConfigurations(throws = false, express = 'express') {
  const options = { throws, express };
  const version = express === 'express4' ? '4' : '5';
  return [
    { id: 'bare', label: `bare Express ${version}`, server: server('bare', options) },
    {
      id: 'floor',
      label: 'floor: bare AsyncLocalStorage.run(store, next) with the token',
      server: server('floor', options),
    },
    {
      id: 'context',
      label: 'replaylink: context only (stamp: false)',
      server: server('context', options),
    },
    {
      id: 'register',
      label: 'replaylink/register, no adapter: context only (REPLAYLINK_STAMP=false)',
      server: {
        ...server('bare', options),
        execArgv: ['--import', 'replaylink/register'],
        env: { REPLAYLINK_STAMP: 'false' },
      },
    },
    {
      id: 'stamping',
      label: 'replaylink: context + stamping',
      server: server('stamping', options),
    },
    {
      id: 'accessLog',
      label: 'replaylink: + access log (clf)',
      server: server('stampingAccessLog', options),
    },
    {
      id: 'lineFloor',
      label: "floor + a minimal access line (one unescaped line from res.once('finish'))",
      server: server('lineFloor', options),
    },
    {
      id: 'forwarding',
      label: 'replaylink: context + forwarding (expressErrorHandler)',
      server: server('contextForwarding', options),
    },
    {
      id: 'full',
      label: 'replaylink: stamping + access log + forwarding',
      server: server('full', options),
    },
    {
      id: 'clsRtracer',
      peer: true,
      label: 'cls-rtracer (request id from the token header)',
      server: server('clsRtracer', options),
    },
    {
      id: 'expressHttpContext',
      peer: true,
      label: 'express-http-context (token set per request)',
      server: server('expressHttpContext', options),
    },
    {
      id: 'sentry',
      peer: true,
      label: '@sentry/node 10 + setupExpressErrorHandler',
      server: server('sentry', options),
    },
    {
      id: 'pinoHttp',
      peer: true,
      label: 'pino-http (req.log line + access line)',
      server: server('pinoHttp', options),
    },
    { id: 'morgan', label: 'morgan combined', peer: true, server: server('morgan', options) },
  ];
}

export const expressTargets = [
  { id: 'context', ofFloor: 0.97, cheaperThan: ['clsRtracer', 'expressHttpContext'] },
  { id: 'register', ofFloor: 0.97 },
  { id: 'stamping', ofFloor: 0.95, cheaperThan: ['pinoHttp'] },
  { id: 'accessLog', cheaperThan: ['morgan', 'pinoHttp'] },
  { id: 'forwarding', cheaperThan: ['sentry'] },
  { id: 'full', atLeast: 0.9 },
];

export const expressNotes = [
  'The replaylink/register row is the bare app started with `node --import replaylink/register` and `REPLAYLINK_STAMP=false`: no adapter, the context is entered where the server emits the request (compared with the adapter’s context only row).',
  "The floor is the least a request context can cost: one `AsyncLocalStorage.run(store, next)` middleware that reads the token header into a plain object, and nothing else (no validation, no request id, no context in `res.on('finish')` or body-parser listeners).",
  "The minimal access line is the least an access log can cost on top of the floor: one `res.once('finish')` listener writing a fixed-shape line (address, time, method, URL, status) to stdout, without escaping, route, latency or a skip callback. It bounds what the full configuration can reach: it writes that second line too.",
  'Forwarding configurations start their event sink in a process of its own: replaylink’s `startReceiver` or, for `@sentry/node`, an envelope endpoint answering 200. Both use the same recorded request headers.',
  'Peers do the closest equivalent job: cls-rtracer and express-http-context hold a per-request context (compared with context only); pino-http writes a request-bound log line and an access line (compared with stamping and with the access log); morgan writes the access line; @sentry/node isolates each request and reports errors through its Express error handler (compared with forwarding).',
];

export default {
  kind: 'http',
  title: 'Express 5, hello world, one console.log per request (to a discarded stream)',
  bare: 'bare',
  floor: 'floor',
  configurations: expressConfigurations(false),
  targets: expressTargets,
  notes: expressNotes,
};
