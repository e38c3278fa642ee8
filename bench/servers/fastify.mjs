// Fastify hello world, one console.log per request; replaylink via its plugin.
async function hello(register) {
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  if (register) await register(app);
  app.get('/', async () => {
    console.log('hello handled');
    return 'hello';
  });
  return {
    async listen() {
      await app.listen({ port: 0, host: '127.0.0.1' });
      return app.server.address().port;
    },
  };
}

async function replaylink(options) {
  const { fastifyPlugin } = await import('replaylink/fastify');
  return (app) => app.register(fastifyPlugin, options);
}

export const bare = () => hello();

/** The floor: a bare `AsyncLocalStorage.run(store, done)` in `onRequest`, holding the token. */
export async function floor() {
  const { AsyncLocalStorage } = await import('node:async_hooks');
  const als = new AsyncLocalStorage();
  return hello((app) =>
    app.addHook('onRequest', (request, _reply, done) =>
      als.run({ sessionToken: request.headers['x-openreplay-sessiontoken'] }, done),
    ),
  );
}

/** The peer: @fastify/request-context, the token set in `onRequest`. */
export async function requestContext() {
  const { fastifyRequestContext } = await import('@fastify/request-context');
  return hello(async (app) => {
    await app.register(fastifyRequestContext);
    app.addHook('onRequest', (request, _reply, done) => {
      request.requestContext.set('sessionToken', request.headers['x-openreplay-sessiontoken']);
      done();
    });
  });
}
export const context = async () => hello(await replaylink({ stamp: false }));
export const stamping = async () => hello(await replaylink({}));
