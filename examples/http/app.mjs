// A bare node:http server with replaylink. Run it with `node examples/http/app.mjs`, then:
//   curl -H 'X-OpenReplay-SessionToken: demo.token' localhost:3000/orders/7
import http from 'node:http';
import { getContext } from 'replaylink';
import { withReplayLink } from 'replaylink/http';

const handler = withReplayLink(async (req, res) => {
  if (req.url === '/fail') throw new Error('payment service unavailable');
  console.log(`loading ${req.url}`);
  await new Promise((resolve) => setTimeout(resolve, 5));
  console.log('loaded');
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ url: req.url, requestId: getContext()?.requestId }));
});

export function createServer() {
  return http.createServer((req, res) => {
    // The app's own error handling: withReplayLink forwarded the error, then re-rejected.
    handler(req, res).catch((err) => {
      console.error(`request failed: ${err.message}`);
      res.statusCode = 500;
      res.end('internal error');
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 3000);
  createServer().listen(port, '127.0.0.1', () =>
    console.log(`listening on http://127.0.0.1:${port}`),
  );
}
