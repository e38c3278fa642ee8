// Benchmark servers, one configuration per child process: `node bench/servers.mjs <name>`.
// Each logs one line per request to stdout, which the runner discards.
import http from 'node:http';

const name = process.argv[2];

async function express5(withReplayLink) {
  const { default: express } = await import('express');
  const app = express();
  if (withReplayLink) {
    const { expressMiddleware } = await import('replaylink/express');
    app.use(expressMiddleware());
  }
  app.get('/', (_req, res) => {
    console.log('hello handled');
    res.send('hello');
  });
  return app;
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
