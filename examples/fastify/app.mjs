// A small Fastify app with replaylink. Run it with `node examples/fastify/app.mjs`, then:
//   curl -H 'X-OpenReplay-SessionToken: demo.token' localhost:3000/orders/7
import Fastify from 'fastify';
import { getContext } from 'replaylink';
import { fastifyPlugin } from 'replaylink/fastify';

export async function createApp() {
  const app = Fastify();
  await app.register(fastifyPlugin); // not encapsulated: covers every route of the app
  app.get('/orders/:id', async (request) => {
    console.log(`loading order ${request.params.id}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    console.log('order loaded');
    return { id: request.params.id, requestId: getContext()?.requestId };
  });
  app.get('/fail', async () => {
    throw new Error('payment service unavailable');
  });
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 3000);
  const app = await createApp();
  await app.listen({ port, host: '127.0.0.1' });
  console.log(`listening on http://127.0.0.1:${port}`);
}
