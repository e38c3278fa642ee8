// `node sink-child.mjs replaylink|sentry <apiKey>`: answers with its URL, then counts.
import http from 'node:http';
import { startReceiver } from 'replaylink';

const [kind, apiKey] = process.argv.slice(2);
let count = () => 0;

async function sentrySink() {
  let events = 0;
  const server = http.createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      events++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  count = () => events;
  return `http://public@127.0.0.1:${server.address().port}/1`;
}

async function replaylinkSink() {
  const receiver = await startReceiver({ apiKey, print: false, maxEvents: 1_000_000 });
  count = () => receiver.events.length;
  return receiver.url;
}

process.on('message', () => process.send({ count: count() }));
process.on('disconnect', () => process.exit(0));
process.send({ url: kind === 'sentry' ? await sentrySink() : await replaylinkSink() });
