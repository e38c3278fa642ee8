// Each request calls a loopback service (in the same process) with fetch.
import http from 'node:http';

async function downstream() {
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${server.address().port}`;
}

async function app(middlewareOptions) {
  const { default: express } = await import('express');
  const target = await downstream();
  const app = express();
  if (middlewareOptions) {
    const { expressMiddleware } = await import('replaylink/express');
    const options = middlewareOptions === 'propagate' ? { propagate: { origins: [target] } } : {};
    app.use(expressMiddleware(options));
  }
  app.get('/', async (_req, res) => {
    const reply = await fetch(`${target}/`);
    res.send(await reply.text());
  });
  return app;
}

export const bare = () => app(undefined);
export const replaylink = () => app('context');
export const propagate = () => app('propagate');
