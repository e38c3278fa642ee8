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
export const context = async () => hello(await replaylink({ stamp: false }));
export const stamping = async () => hello(await replaylink({}));
