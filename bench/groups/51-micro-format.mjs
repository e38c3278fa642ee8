// Formatting one access-log line: morgan's compiled `combined` against replaylink's
// compiled templates (the same fields as `combined`, and the `clf` preset), on finished
// requests captured from a loopback server. replaylink's `write` also hands the line to
// its sink (a function here); morgan's compiled function only returns it.
import { once } from 'node:events';
import http from 'node:http';
import { nsPerOp } from '../lib/micro.mjs';
import { Skip } from '../lib/server.mjs';

const PAIRS = 64;
// morgan's `combined` fields as `$context` variables (caller = the referer).
const COMBINED_FIELDS =
  '$context.identity.sourceIp - $context.identity.user [$context.requestTime] "$context.httpMethod $context.path" $context.status $context.responseLength "$context.identity.caller" "$context.identity.userAgent"';

const iterations = (settings) => Math.max(2000, Math.round(200_000 * settings.microScale));

function get(port, agent, i) {
  return new Promise((resolve, reject) => {
    const headers = {
      'user-agent': `Mozilla/5.0 (bench ${i})`,
      referer: `https://shop.example/${i}`,
    };
    http
      .get({ port, host: '127.0.0.1', path: `/orders/${i}?page=${i % 7}`, agent, headers }, (res) =>
        res.resume().on('end', resolve),
      )
      .on('error', reject);
  });
}

/** Finished request/response pairs, served for real on 127.0.0.1. */
async function capture() {
  const pairs = [];
  const server = http.createServer((req, res) => {
    res.setHeader('content-length', 5);
    res.on('finish', () => pairs.push([req, res]));
    res.end('hello');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  await Promise.all(Array.from({ length: PAIRS }, (_, i) => get(server.address().port, agent, i)));
  agent.destroy();
  server.close();
  return pairs;
}

function recordOf([req, res], i) {
  const path = req.url.split('?')[0];
  const requestId = `req-${i}`;
  return {
    eventType: 'REQUEST',
    context: { requestId, method: req.method, path, startedAt: Date.now() },
    req,
    sourceIp: req.socket.remoteAddress,
    requestId,
    routeKey: () => `${req.method} ${path}`,
    status: res.statusCode,
    error: undefined,
    integrationLatency: undefined,
    responseLatency: undefined,
    responseLength: 5,
    connectionId: undefined,
    connectedAt: undefined,
    messageId: undefined,
  };
}

async function morganCombined(settings) {
  const { default: morgan } = await import('morgan');
  const line = morgan.compile(morgan.combined);
  const pairs = await capture();
  let length = 0;
  const ns = nsPerOp((i) => {
    const [req, res] = pairs[i % PAIRS];
    length += line(morgan, req, res).length;
  }, iterations(settings));
  if (length === 0) throw new Error('morgan formatted nothing');
  return { ns };
}

function replaylinkTemplate(format, extra = {}) {
  return async (settings) => {
    const { createAccessLog } = await import('replaylink');
    if (typeof createAccessLog !== 'function')
      throw new Skip('this build has no access log (`createAccessLog`)');
    let length = 0;
    const stream = (line) => {
      length += line.length;
    };
    const log = createAccessLog({ format, stream, ...extra });
    const records = (await capture()).map(recordOf);
    const ns = nsPerOp((i) => log.write(records[i % PAIRS]), iterations(settings));
    if (length === 0) throw new Error('replaylink formatted nothing');
    return { ns };
  };
}

export default {
  kind: 'micro',
  title: 'Micro: formatting one access-log line, replaylink template vs morgan',
  subject: 'formatter',
  columns: [{ key: 'ns', label: 'ns/line' }],
  ratio: { key: 'ns', baseline: 'morgan', label: 'time vs morgan' },
  configurations: [
    { id: 'morgan', label: 'morgan.compile(morgan.combined)', measure: morganCombined },
    {
      id: 'sameFields',
      label: 'replaylink createAccessLog, the fields of combined',
      measure: replaylinkTemplate(COMBINED_FIELDS, { caller: (req) => req.headers.referer }),
    },
    {
      id: 'clf',
      label: "replaylink createAccessLog({ format: 'clf' })",
      measure: replaylinkTemplate('clf'),
    },
  ],
};
