// A request enqueues a BullMQ job; the worker's logs carry the session of that request.
// Start Redis, then `REDIS_PORT=6379 node examples/bullmq/app.mjs`, and:
//   curl -X POST -H 'X-OpenReplay-SessionToken: demo.token' localhost:3000/orders/7
// prints
//   [openReplaySessionToken=demo.token] order 7 placed
//   [openReplaySessionToken=demo.token] receipt sent for order 7
import { Queue, Worker } from 'bullmq';
import express from 'express';
import { carrier, fromCarrier, runWithContext } from 'replaylink';
import { expressMiddleware } from 'replaylink/express';

/** @param {{ host: string, port: number }} redis */
export function createApp(redis) {
  const connection = { ...redis, maxRetriesPerRequest: null };
  const queue = new Queue('receipts', { connection });

  // The consumer, often another process: restore the ids the job carries, then work.
  const worker = new Worker(
    'receipts',
    (job) =>
      runWithContext(fromCarrier(job.data.replaylink), async () => {
        console.log(`receipt sent for order ${job.data.order}`);
      }),
    { connection },
  );

  const app = express();
  app.use(expressMiddleware());
  app.post('/orders/:id', async (req, res) => {
    console.log(`order ${req.params.id} placed`);
    // carrier(): the request's ids as { header name: value }, small and JSON-safe.
    await queue.add('receipt', { order: req.params.id, replaylink: carrier() });
    res.status(202).json({ queued: true });
  });
  return { app, queue, worker };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 3000);
  const { app } = createApp({ host: '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) });
  app.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
}
