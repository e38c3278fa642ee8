import assert from 'node:assert/strict';
import type { RequestListener } from 'node:http';
import { describe, test } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import express, { type ErrorRequestHandler } from 'express';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { expressErrorHandler, expressMiddleware } from '../adapters/express.js';
import { type AccessLogOptions, ReplayLinkError } from '../src/index.js';
import { request, serve } from './helpers.js';

// The 53 variables of API Gateway's WebSocket access-logging reference, as it lists them.
const REFERENCE = [
  'apiId',
  'authorize.error',
  'authorize.latency',
  'authorize.status',
  'authorizer.error',
  'authorizer.integrationLatency',
  'authorizer.integrationStatus',
  'authorizer.latency',
  'authorizer.requestId',
  'authorizer.status',
  'authorizer.principalId',
  'authorizer.property',
  'authenticate.error',
  'authenticate.latency',
  'authenticate.status',
  'connectedAt',
  'connectionId',
  'domainName',
  'error.message',
  'error.messageString',
  'error.responseType',
  'error.validationErrorString',
  'eventType',
  'extendedRequestId',
  'identity.accountId',
  'identity.apiKey',
  'identity.apiKeyId',
  'identity.caller',
  'identity.cognitoAuthenticationProvider',
  'identity.cognitoAuthenticationType',
  'identity.cognitoIdentityId',
  'identity.cognitoIdentityPoolId',
  'identity.principalOrgId',
  'identity.sourceIp',
  'identity.user',
  'identity.userAgent',
  'identity.userArn',
  'integration.error',
  'integration.integrationStatus',
  'integration.latency',
  'integration.requestId',
  'integration.status',
  'integrationLatency',
  'messageId',
  'requestId',
  'requestTime',
  'requestTimeEpoch',
  'routeKey',
  'stage',
  'status',
  'waf.error',
  'waf.latency',
  'waf.status',
];

const key = (name: string) => name.replaceAll('.', '_');
const v = (name: string) => `$context.${name}`;

/** One template of all the variables in the shape of each preset. */
const TEMPLATES: Record<string, string> = {
  json: `{ ${REFERENCE.map((n) => (n === 'error.messageString' ? `"${key(n)}": ${v(n)}` : `"${key(n)}":"${v(n)}"`)).join(', ')} }`,
  xml: `<request>${REFERENCE.map((n) => `<${key(n)}>${v(n)}</${key(n)}>`).join('')}</request>`,
  csv: REFERENCE.map(v).join(','),
  clf: REFERENCE.map(v).join(' '),
};

const reply500: ErrorRequestHandler = (_err, _req, res, _next) => {
  res.status(500).send('failed');
};

async function linesOf(accessLog: Omit<AccessLogOptions, 'stream'>): Promise<string[]> {
  const lines: string[] = [];
  let arrived = () => {};
  const all = new Promise<void>((resolve) => {
    arrived = () => lines.length === 3 && resolve();
  });
  const app = express();
  app.use(
    expressMiddleware({
      accessLog: {
        ...accessLog,
        stream: (line) => {
          lines.push(line);
          arrived();
        },
      },
    }),
  );
  app.get('/ok', (_req, res) => {
    res.send('ok');
  });
  app.get('/boom', () => {
    throw new Error('it broke, "badly"');
  });
  app.use(expressErrorHandler());
  app.use(reply500);
  const server = await serve(app as unknown as RequestListener);
  try {
    assert.equal((await request(`${server.url}/ok`)).status, 200);
    assert.equal((await request(`${server.url}/boom`)).status, 500);
    assert.equal((await request(`${server.url}/nowhere`)).status, 404);
    await all;
  } finally {
    await server.close();
  }
  assert.equal(lines.length, 3, 'one line per request');
  return lines;
}

describe('every $context variable of the reference', () => {
  test('each of the 53 names of the reference compiles alone, and a made-up one is refused', () => {
    assert.equal(new Set(REFERENCE).size, 53, 'the list itself');
    const compile = (name: string) =>
      expressMiddleware({ accessLog: { format: v(name), stream: () => {} } });
    for (const name of REFERENCE) assert.doesNotThrow(() => compile(name), name);
    assert.throws(
      () => compile('identity.notAVariable'),
      (error: unknown) =>
        error instanceof ReplayLinkError && /unknown variable/.test(error.message),
    );
  });

  test('json: a template of all of them gives one JSON object per request', async () => {
    const lines = await linesOf({ format: TEMPLATES.json!, stage: 'prod' });
    const [ok, boom, missing] = lines.map((line) => JSON.parse(line));
    assert.equal(Object.keys(ok).length, 53);
    assert.equal(ok.integration_latency, ok.integrationLatency);
    assert.notEqual(ok.integration_latency, '-');
    assert.equal(ok.integration_status, '200');
    assert.equal(ok.integration_integrationStatus, '200');
    assert.equal(boom.integration_status, '500');
    assert.equal(missing.status, '404');
    assert.equal(boom.error_message, 'it broke, "badly"');
    assert.equal(boom.error_messageString, 'it broke, "badly"');
    assert.equal(boom.integration_error, 'it broke, "badly"');
    assert.equal(ok.error_messageString, '-');
    assert.equal(ok.stage, 'prod');
    for (const name of ['identity_accountId', 'identity_apiKey', 'waf_status', 'authorize_error'])
      assert.equal(ok[name], '-', name);
  });

  test('xml: a template of all of them gives one well-formed element per request', async () => {
    const lines = await linesOf({ format: TEMPLATES.xml! });
    const parser = new XMLParser({ parseTagValue: false });
    for (const line of lines) {
      assert.equal(XMLValidator.validate(line), true, line);
      assert.equal(Object.keys(parser.parse(line).request).length, 53);
    }
  });

  test('csv: a template of all of them gives one 53-field record per request', async () => {
    const lines = await linesOf({ format: TEMPLATES.csv!, escape: 'csv' });
    for (const line of lines) assert.equal(parseCsv(line)[0]?.length, 53, line);
  });

  test('clf: a template of all of them gives one line per request', async () => {
    const lines = await linesOf({ format: TEMPLATES.clf!, escape: 'text' });
    // requestTime ("01/Dec/2026:15:05:58 +0000") and routeKey ("GET /ok") hold a space each.
    assert.equal(lines[0]!.split(' ').length, 55);
    assert.equal(lines[2]!.split(' ').length, 55);
    assert.match(lines[1]!, / GET \/boom - 500 - - -$/);
  });

  test('integration.latency alone is measured like integrationLatency', async () => {
    const lines = await linesOf({ format: '$context.integration.latency', escape: 'text' });
    for (const line of lines) assert.match(line, /^\d+$/);
  });

  test('accessLog.values gives any variable a value, escaped like ours', async () => {
    const lines = await linesOf({
      format:
        '{"account":"$context.identity.accountId","waf":"$context.waf.status","s":"$context.status","m":$context.error.messageString}',
      values: {
        'identity.accountId': (req) => req.headers.host?.split(':')[0],
        'waf.status': () => 'al"lowed',
        status: () => 299,
        'error.messageString': () => undefined,
      },
    });
    const record = JSON.parse(lines[0]!);
    assert.deepEqual(record, { account: '127.0.0.1', waf: 'al"lowed', s: '299', m: '-' });
  });

  test('accessLog.values takes functions for known variables only', () => {
    const refuse = (values: unknown, pattern: RegExp) =>
      assert.throws(
        () =>
          expressMiddleware({
            accessLog: { format: 'json', values } as unknown as AccessLogOptions,
          }),
        (error: unknown) => error instanceof ReplayLinkError && pattern.test(error.message),
      );
    refuse(
      { 'identity.nope': () => 1 },
      /accessLog\.values\.identity\.nope.*\$context variable name/,
    );
    refuse({ 'waf.status': 'ok' }, /accessLog\.values\.waf\.status" is "ok"; expected a function/);
    refuse([], /accessLog\.values/);
    assert.doesNotThrow(() =>
      expressMiddleware({
        accessLog: { format: 'json', values: { 'authorizer.tenant': () => 't' } },
      }),
    );
  });
});
