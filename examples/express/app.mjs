// A small Express app with replaylink. Run it with `node examples/express/app.mjs`
// (set REPLAYLINK_API_KEY and REPLAYLINK_ENDPOINT to forward errors, e.g. to
// `npx replaylink receiver`), then:
//   curl -H 'X-OpenReplay-SessionToken: demo.token' localhost:3000/orders/7
import express from 'express';
import { getContext } from 'replaylink';
import { expressErrorHandler, expressMiddleware } from 'replaylink/express';

/** @param {import('replaylink/express').ExpressMiddlewareOptions} [options] */
export function createApp(options) {
  const app = express();
  app.use(expressMiddleware(options));
  app.use(express.json());

  app.get('/orders/:id', async (req, res) => {
    console.log(`loading order ${req.params.id}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    console.log('order loaded\nwith a second line');
    res.json({ id: req.params.id, requestId: getContext()?.requestId });
  });

  app.get('/fail', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    throw new Error('payment service unavailable');
  });

  app.use(expressErrorHandler()); // forwards 5xx errors of recorded requests, then next(err)
  app.use((err, _req, res, _next) => {
    console.error(`request failed: ${err.message}`);
    res.status(500).json({ error: 'internal error' });
  });
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 3000);
  createApp().listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
}
