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
export const context = async () => hello(await replaylink({ stamp: false }));
export const stamping = async () => hello(await replaylink({}));
