// Formatting one access-log line: replaylink's compiled `clf` template vs morgan's
// compiled formats, on the same finished request. replaylink's `write` also hands the
// line to its sink (a no-op function here); morgan's compiled function only returns it.
import { EventEmitter } from 'node:events';
import http from 'node:http';
import { nsPerOp } from '../lib/micro.mjs';
import { Skip } from '../lib/server.mjs';

const iterations = (settings) => Math.max(2000, Math.round(200_000 * settings.microScale));

/** A finished GET with the headers a browser sends, on a socket-less request/response. */
function exchange() {
  const socket = Object.assign(new EventEmitter(), { remoteAddress: '127.0.0.1', readable: true });
  const req = new http.IncomingMessage(socket);
  Object.assign(req, {
    method: 'GET',
    url: '/orders/42',
    httpVersionMajor: 1,
    httpVersionMinor: 1,
  });
  req.httpVersion = '1.1';
  req.headers = {
    'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0.0.0 Safari/537.36',
    referer: 'https://shop.example/cart',
    'x-openreplay-sessiontoken': 'bench.token.1',
  };
  const res = new http.ServerResponse(req);
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' });
  req._startAt = process.hrtime();
  req._startTime = new Date();
  req._remoteAddress = '127.0.0.1';
  res._startAt = process.hrtime();
  res._startTime = new Date();
  return { req, res };
}

function morganConfig(id, format) {
  return {
    id,
    label: `morgan.compile(morgan.${format})`,
    async measure(settings) {
      const { default: morgan } = await import('morgan');
      const line = morgan.compile(morgan[format]);
      const { req, res } = exchange();
      return { ns: nsPerOp(() => line(morgan, req, res), iterations(settings)) };
    },
  };
}

async function replaylinkClf(settings) {
  const replaylink = await import('replaylink');
  if (typeof replaylink.createAccessLog !== 'function')
    throw new Skip('this build has no access log (`createAccessLog`)');
  const log = replaylink.createAccessLog({ format: 'clf', stream: () => {} });
  const { req } = exchange();
  const ids = { sessionToken: 'bench.token.1', requestId: 'b0c1d2e3' };
  const context = replaylink.runWithContext(ids, () => replaylink.getContext());
  const record = {
    eventType: 'REQUEST',
    context,
    req,
    sourceIp: '127.0.0.1',
    requestId: context.requestId,
    routeKey: () => '/orders/:id',
    status: 200,
    error: undefined,
    integrationLatency: 1.2,
    responseLatency: 1.5,
    responseLength: 5,
    connectionId: undefined,
    connectedAt: undefined,
    messageId: undefined,
  };
  return { ns: nsPerOp(() => log.write(record), iterations(settings)) };
}

export default {
  kind: 'micro',
  title: 'Micro: formatting one access-log line, replaylink template vs morgan',
  subject: 'formatter',
  columns: [{ key: 'ns', label: 'ns/line' }],
  ratio: { key: 'ns', baseline: 'combined', label: 'time vs morgan combined' },
  configurations: [
    morganConfig('combined', 'combined'),
    morganConfig('common', 'common'),
    {
      id: 'clf',
      label: "replaylink createAccessLog({ format: 'clf' }).write",
      measure: replaylinkClf,
    },
  ],
};
