// Benchmark servers, one configuration per child process: `node bench/servers.mjs <name>`.
// Each logs one line per request to stdout, which the runner discards.
import http from 'node:http';

const name = process.argv[2];

const LIVE = { projectKey: 'bench', countryHeader: 'cf-ipcountry' };

async function express5(withReplayLink, options) {
  const { default: express } = await import('express');
  const app = express();
  if (withReplayLink) {
    const { expressMiddleware } = await import('replaylink/express');
    app.use(expressMiddleware(options));
  }
  app.get('/', (_req, res) => {
    console.log('hello handled');
    res.send('hello');
  });
  return app;
}

// The same hello route on Koa, Fastify and Nest (Express platform), bare or with replaylink.
// Each returns a plain request listener so the runner serves them all alike.
async function koa(withReplayLink) {
  const { default: Koa } = await import('koa');
  const app = new Koa();
  if (withReplayLink) {
    const { koaMiddleware } = await import('replaylink/koa');
    app.use(koaMiddleware());
  }
  app.use((ctx) => {
    console.log('hello handled');
    ctx.body = 'hello';
  });
  return app.callback();
}

async function fastify(withReplayLink) {
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  if (withReplayLink) {
    const { fastifyPlugin } = await import('replaylink/fastify');
    await app.register(fastifyPlugin);
  }
  app.get('/', async () => {
    console.log('hello handled');
    return 'hello';
  });
  await app.ready();
  return (req, res) => app.routing(req, res);
}

async function nest(withReplayLink) {
  await import('reflect-metadata');
  const { Controller, Get, Module } = await import('@nestjs/common');
  const { NestFactory } = await import('@nestjs/core');
  class HelloController {
    hello() {
      console.log('hello handled');
      return 'hello';
    }
  }
  const hello = Object.getOwnPropertyDescriptor(HelloController.prototype, 'hello');
  Get()(HelloController.prototype, 'hello', hello);
  Controller()(HelloController);
  const imports = [];
  if (withReplayLink) {
    const { ReplayLinkModule } = await import('replaylink/nestjs');
    imports.push(ReplayLinkModule.forRoot());
  }
  class AppModule {}
  Module({ imports, controllers: [HelloController] })(AppModule);
  const app = await NestFactory.create(AppModule, { logger: false });
  await app.init();
  // Nest's own server listener: with replaylink, the module entered the context there.
  return app.getHttpServer().listeners('request')[0];
}

// The live sessions API over 10,000 sessions, filled through the request path itself.
async function liveSearch() {
  const { EventEmitter } = await import('node:events');
  const { init, liveSessionsApi, runRequest } = await import('replaylink');
  init({
    liveSessions: {
      ...LIVE,
      identify: (req) => req.headers['x-user'],
      metadata: (req) => ({ plan: req.headers['x-plan'] }),
    },
  });
  const agents = [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  ];
  const plans = ['trial', 'free', 'pro', 'enterprise'];
  for (let i = 0; i < 10_000; i++) {
    const headers = {
      'x-openreplay-sessiontoken': `bench.session.${i}`,
      'user-agent': agents[i % agents.length],
      'cf-ipcountry': ['FR', 'DE', 'US'][i % 3],
      'x-user': `user${i}@${i % 10 === 0 ? 'openreplay' : 'example'}.com`,
      'x-plan': plans[i % plans.length],
    };
    const req = Object.assign(new EventEmitter(), { headers, method: 'GET', url: '/' });
    const res = new EventEmitter();
    runRequest(req, res, () => res.emit('finish'));
  }
  return liveSessionsApi({ apiKey: 'bench-key' });
}

/** A downstream service on loopback, in the same process. */
async function downstream() {
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${server.address().port}`;
}

async function expressFetch(withReplayLink, withPropagation) {
  const { default: express } = await import('express');
  const target = await downstream();
  const app = express();
  if (withReplayLink) {
    const { expressMiddleware } = await import('replaylink/express');
    app.use(expressMiddleware(withPropagation ? { propagate: { origins: [target] } } : undefined));
  }
  app.get('/', async (_req, res) => {
    const reply = await fetch(`${target}/`);
    res.send(await reply.text());
  });
  return app;
}

const configs = {
  'express-bare': () => express5(false),
  'express-replaylink': () => express5(true),
  // The access-log line goes to stdout, which the runner discards, like the console.log.
  'express-access-log': () => express5(true, { accessLog: { format: 'clf' } }),
  'express-replaylink-live': () => express5(true, { liveSessions: LIVE }),
  'live-search': liveSearch,
  'koa-bare': () => koa(false),
  'koa-replaylink': () => koa(true),
  'fastify-bare': () => fastify(false),
  'fastify-replaylink': () => fastify(true),
  'nest-bare': () => nest(false),
  'nest-replaylink': () => nest(true),
  'express-fetch-bare': () => expressFetch(false, false),
  'express-fetch-replaylink': () => expressFetch(true, false),
  'express-fetch-propagate': () => expressFetch(true, true),
};

const make = configs[name];
if (!make)
  throw new Error(`unknown bench server ${name}; known: ${Object.keys(configs).join(', ')}`);
const server = http.createServer(await make());
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
