// Benchmark servers, one configuration per child process: `node bench/servers.mjs <name>`.
// Each logs one line per request to stdout, which the runner discards.
import http from 'node:http';

const name = process.argv[2];

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

const configs = {
  'express-bare': () => express5(false),
  'express-replaylink': () => express5(true),
  // The access-log line goes to stdout, which the runner discards, like the console.log.
  'express-access-log': () => express5(true, { accessLog: { format: 'clf' } }),
};

const make = configs[name];
if (!make)
  throw new Error(`unknown bench server ${name}; known: ${Object.keys(configs).join(', ')}`);
const server = http.createServer(await make());
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
