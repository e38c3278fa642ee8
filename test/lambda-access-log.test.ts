// `$context` access lines of Lambda invocations: the event's values, one line each.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { lambdaHandler } from '../adapters/lambda.js';
import { close, init } from '../src/index.js';
import { httpV2, restV1, TOKEN, wsConnect, wsDisconnect, wsMessage } from './lambda-events.js';

const context = { awsRequestId: 'c6af9ac6-aaaa', getRemainingTimeInMillis: () => 30_000 };

// Each variable and where AWS documents its value in the event (requestContext paths).
const FROM_EVENT: Record<string, string[]> = {
  requestId: ['requestId'],
  extendedRequestId: ['extendedRequestId'],
  'identity.sourceIp': ['identity.sourceIp', 'http.sourceIp'],
  'identity.userAgent': ['identity.userAgent', 'http.userAgent'],
  requestTime: ['requestTime', 'time'],
  requestTimeEpoch: ['requestTimeEpoch', 'timeEpoch'],
  domainName: ['domainName'],
  domainPrefix: ['domainPrefix'],
  stage: ['stage'],
  apiId: ['apiId'],
  accountId: ['accountId'],
  routeKey: ['routeKey'],
  eventType: ['eventType'],
  connectionId: ['connectionId'],
  connectedAt: ['connectedAt'],
  messageId: ['messageId'],
  messageDirection: ['messageDirection'],
  disconnectStatusCode: ['disconnectStatusCode'],
  disconnectReason: ['disconnectReason'],
  httpMethod: ['httpMethod', 'http.method'],
  path: ['path', 'http.path'],
  protocol: ['protocol', 'http.protocol'],
  resourceId: ['resourceId'],
  resourcePath: ['resourcePath'],
};

function at(from: unknown, dotted: string): unknown {
  let value = from;
  for (const key of dotted.split('.')) value = (value as Record<string, unknown> | null)?.[key];
  return value;
}

/** What the event carries for `name`, as the line prints it; undefined when it carries none. */
function expected(requestContext: unknown, name: string): string | undefined {
  for (const path of FROM_EVENT[name]!) {
    const value = at(requestContext, path);
    if (value !== undefined && value !== null && value !== '') return String(value);
  }
  return undefined;
}

const TEMPLATE = `{${Object.keys(FROM_EVENT)
  .map((name) => `"${name}":"$context.${name}"`)
  .join(',')}}`;

async function lineFor(event: { requestContext: unknown }, format: string, result: unknown = {}) {
  const lines: string[] = [];
  const handler = lambdaHandler(async () => result, {
    accessLog: { format, stream: (line) => lines.push(line) },
  });
  await handler(event, context);
  assert.equal(lines.length, 1, 'one line per invocation');
  return lines[0]!;
}

describe('Lambda access lines', () => {
  before(() => init());
  after(() => close());

  const fixtures = {
    'REST v1': restV1({ 'X-OpenReplay-SessionToken': TOKEN }),
    'HTTP API v2': httpV2({ 'x-openreplay-sessiontoken': TOKEN }),
    'WebSocket $connect': wsConnect('L0SM9cOFvHcCIhw=', { 'x-openreplay-sessiontoken': TOKEN }),
    'WebSocket MESSAGE': wsMessage('L0SM9cOFvHcCIhw='),
    'WebSocket $disconnect': wsDisconnect('L0SM9cOFvHcCIhw='),
  };

  for (const [name, event] of Object.entries(fixtures)) {
    test(`${name}: every variable the event carries prints the event's value`, async () => {
      const line = JSON.parse(await lineFor(event, TEMPLATE)) as Record<string, string>;
      let checked = 0;
      for (const variable of Object.keys(FROM_EVENT)) {
        const value = expected(event.requestContext, variable);
        if (value === undefined) continue;
        assert.equal(line[variable], value, `$context.${variable}`);
        checked++;
      }
      assert.ok(checked >= 10, `${checked} variables checked`);
    });
  }

  test('status, length and the ids come from the invocation', async () => {
    const format =
      '$context.status $context.responseLength $context.openReplaySessionToken $context.eventType';
    assert.equal(
      await lineFor(fixtures['REST v1'], format, { statusCode: 201, body: 'created' }),
      `201 7 ${TOKEN} REQUEST`,
    );
    assert.equal(
      await lineFor(fixtures['WebSocket $connect'], format, { statusCode: 200 }),
      `200 - ${TOKEN} CONNECT`,
    );
  });

  test("the API Gateway console's CLF, JSON, XML and CSV formats compile and print", async () => {
    const rest = {
      clf: '$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId $context.extendedRequestId',
      json: '{ "requestId":"$context.requestId", "extendedRequestId":"$context.extendedRequestId", "ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", "user":"$context.identity.user", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod", "resourcePath":"$context.resourcePath", "status":"$context.status", "protocol":"$context.protocol", "responseLength":"$context.responseLength" }',
      xml: '<request id="$context.requestId"> <extendedRequestId>$context.extendedRequestId</extendedRequestId> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>',
      csv: '$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,$context.status,$context.responseLength,$context.requestId,$context.extendedRequestId',
    };
    const http = {
      clf: '$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.routeKey $context.protocol" $context.status $context.responseLength $context.requestId',
      json: '{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod","routeKey":"$context.routeKey", "status":"$context.status","protocol":"$context.protocol", "responseLength":"$context.responseLength" }',
      xml: '<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <requestTime>$context.requestTime</requestTime> <httpMethod>$context.httpMethod</httpMethod> <routeKey>$context.routeKey</routeKey> <status>$context.status</status> <protocol>$context.protocol</protocol> <responseLength>$context.responseLength</responseLength> </request>',
      csv: '$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.routeKey,$context.protocol,$context.status,$context.responseLength,$context.requestId',
    };
    const result = { statusCode: 200, body: 'ok' };
    assert.equal(
      await lineFor(fixtures['REST v1'], rest.clf, result),
      '205.255.255.176 - - [10/Mar/2020:00:03:59 +0000] "GET /orders/{id} HTTP/1.1" 200 2 77375676-xmpl-4b79-853a-f982474efe18 JJbxmplHYosFVYQ=',
    );
    const json = JSON.parse(await lineFor(fixtures['REST v1'], rest.json, result));
    assert.equal(json.resourcePath, '/orders/{id}');
    assert.match(await lineFor(fixtures['REST v1'], rest.xml, result), /<protocol>HTTP\/1\.1</);
    assert.equal((await lineFor(fixtures['REST v1'], rest.csv, result)).split(',').length, 11);
    assert.equal(
      await lineFor(fixtures['HTTP API v2'], http.clf, result),
      '205.255.255.176 - - [10/Mar/2020:05:16:23 +0000] "GET GET /orders/{id} HTTP/1.1" 200 2 JKJaXmPLvHcESHA=',
    );
    assert.equal(
      JSON.parse(await lineFor(fixtures['HTTP API v2'], http.json, result)).status,
      '200',
    );
    assert.match(
      await lineFor(fixtures['HTTP API v2'], http.xml, result),
      /<routeKey>GET \/orders/,
    );
    assert.equal((await lineFor(fixtures['HTTP API v2'], http.csv, result)).split(',').length, 8);
  });
});
