// Express 5 hello world servers: one `console.log` per request (stdout is discarded by
// the runner); with `{ throws: true }` every 100th request throws and an error middleware
// answers 500. Each export is a factory named in `bench/groups/express*.mjs`.
import { Skip } from '../lib/server.mjs';
import { startSink } from '../lib/sink.mjs';

const API_KEY = 'bench-key';

/** The app: `before` middleware, the route, `after` error handlers (or `mount(app)`), 500. */
async function hello(
  { throws = false, express: pkg = 'express' },
  { before = [], after = [], mount, log } = {},
) {
  const { default: express } = await import(pkg);
  const app = express();
  for (const middleware of before) app.use(middleware);
  let n = 0;
  app.get('/', (req, res) => {
    if (throws && ++n % 100 === 0) throw new Error('one request in a hundred fails');
    if (log) log(req, 'hello handled');
    else console.log('hello handled');
    res.send('hello');
  });
  for (const handler of after) app.use(handler);
  mount?.(app);
  app.use((_err, _req, res, _next) => {
    res.status(500).send('error');
  });
  return app;
}

/** `expressMiddleware(options)`, skipped when this build does not accept an option used. */
async function replaylink(options) {
  const { expressMiddleware } = await import('replaylink/express');
  try {
    return expressMiddleware(options);
  } catch (error) {
    if (error?.code !== 'ERR_REPLAYLINK_INVALID_OPTION' || !options.accessLog) throw error;
    throw new Skip('this build does not accept the `accessLog` option of `expressMiddleware`');
  }
}

async function forwarding() {
  const sink = await startSink('replaylink', API_KEY);
  return { apiKey: API_KEY, endpoint: sink.url, forward: { exceptions: true, logs: false } };
}

const accessLog = { format: 'clf', stream: process.stdout };

export const bare = (options) => hello(options);

/** The floor: a bare `AsyncLocalStorage.run(store, next)` holding the token header. */
export async function floor(options) {
  const { AsyncLocalStorage } = await import('node:async_hooks');
  const als = new AsyncLocalStorage();
  const enter = (req, _res, next) =>
    als.run({ sessionToken: req.headers['x-openreplay-sessiontoken'] }, next);
  return hello(options, { before: [enter] });
}

/**
 * The floor of an access log: the floor's context plus one fixed-shape line per request,
 * written to stdout from `res.once('finish')` (time, method, path, status; no escaping).
 */
export async function lineFloor(options) {
  const { AsyncLocalStorage } = await import('node:async_hooks');
  const als = new AsyncLocalStorage();
  const enter = (req, res, next) => {
    res.once('finish', () =>
      process.stdout.write(
        `${req.socket.remoteAddress} - - [${Date.now()}] "${req.method} ${req.url}" ${res.statusCode} -\n`,
      ),
    );
    als.run({ sessionToken: req.headers['x-openreplay-sessiontoken'] }, next);
  };
  return hello(options, { before: [enter] });
}

export const context = async (options) =>
  hello(options, { before: [await replaylink({ stamp: false })] });

export const stamping = async (options) => hello(options, { before: [await replaylink({})] });

export const stampingAccessLog = async (options) =>
  hello(options, { before: [await replaylink({ accessLog })] });

export async function contextForwarding(options) {
  const { expressErrorHandler } = await import('replaylink/express');
  const middleware = await replaylink({ stamp: false, ...(await forwarding()) });
  return hello(options, { before: [middleware], after: [expressErrorHandler()] });
}

export async function full(options) {
  const { expressErrorHandler } = await import('replaylink/express');
  const middleware = await replaylink({ accessLog, ...(await forwarding()) });
  return hello(options, { before: [middleware], after: [expressErrorHandler()] });
}

export async function clsRtracer(options) {
  const { default: rTracer } = await import('cls-rtracer');
  const middleware = rTracer.expressMiddleware({
    useHeader: true,
    headerName: 'x-openreplay-sessiontoken',
  });
  return hello(options, { before: [middleware] });
}

export async function expressHttpContext(options) {
  const { default: httpContext } = await import('express-http-context');
  const remember = (req, _res, next) => {
    httpContext.set('sessionToken', req.headers['x-openreplay-sessiontoken']);
    next();
  };
  return hello(options, { before: [httpContext.middleware, remember] });
}

export async function sentry(options) {
  const sink = await startSink('sentry');
  const Sentry = await import('@sentry/node');
  Sentry.init({ dsn: sink.url });
  return hello(options, { mount: (app) => Sentry.setupExpressErrorHandler(app) });
}

export async function pinoHttp(options) {
  const { default: pinoHttp } = await import('pino-http');
  return hello(options, { before: [pinoHttp()], log: (req, line) => req.log.info(line) });
}

export async function morgan(options) {
  const { default: morgan } = await import('morgan');
  return hello(options, { before: [morgan('combined')] });
}
