// An Express app that knows nothing of replaylink: no import, no middleware. Start it with
// replaylink preloaded and configured from the environment (see docs/register.md):
//   REPLAYLINK_ACCESS_LOG=clf node --import replaylink/register examples/register/app.mjs
//   curl -H 'X-OpenReplay-SessionToken: demo.token' localhost:3000/orders/7
// Set REPLAYLINK_API_KEY and REPLAYLINK_ENDPOINT (e.g. `npx replaylink receiver`) to see
// the 5xx of /fail forwarded with its route.
import express from 'express';

const app = express();

app.get('/orders/:id', async (req, res) => {
  console.log(`loading order ${req.params.id}`);
  await new Promise((resolve) => setTimeout(resolve, 5));
  console.log('order loaded');
  res.json({ id: req.params.id });
});

app.get('/fail', async () => {
  await new Promise((resolve) => setTimeout(resolve, 1));
  throw new Error('payment service unavailable');
});

app.use((err, _req, res, _next) => {
  console.error(`request failed: ${err.message}`);
  res.status(500).json({ error: 'internal error' });
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
