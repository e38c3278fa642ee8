// A small Koa app with replaylink. Run it with `node examples/koa/app.mjs`, then:
//   curl -H 'X-OpenReplay-SessionToken: demo.token' localhost:3000/orders/7
import Koa from 'koa';
import { koaMiddleware } from 'replaylink/koa';

export function createApp() {
  const app = new Koa();
  app.use(koaMiddleware()); // first: forwards server errors, then rethrows them to Koa
  app.use(async (ctx) => {
    if (ctx.path === '/fail') throw new Error('payment service unavailable');
    console.log(`loading ${ctx.path}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    console.log('loaded');
    ctx.body = { path: ctx.path, requestId: ctx.state.replaylink?.requestId };
  });
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 3000);
  createApp().listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
}
