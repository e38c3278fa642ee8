// Koa hello world, one console.log per request; replaylink via `koaMiddleware`.
async function hello(middleware) {
  const { default: Koa } = await import('koa');
  const app = new Koa();
  if (middleware) app.use(middleware);
  app.use((ctx) => {
    console.log('hello handled');
    ctx.body = 'hello';
  });
  return app.callback();
}

async function replaylink(options) {
  const { koaMiddleware } = await import('replaylink/koa');
  return koaMiddleware(options);
}

export const bare = () => hello();

/** The floor: a bare `AsyncLocalStorage.run(store, next)` holding the token header. */
export async function floor() {
  const { AsyncLocalStorage } = await import('node:async_hooks');
  const als = new AsyncLocalStorage();
  return hello((ctx, next) =>
    als.run({ sessionToken: ctx.req.headers['x-openreplay-sessiontoken'] }, next),
  );
}
export const context = async () => hello(await replaylink({ stamp: false }));
export const stamping = async () => hello(await replaylink({}));
