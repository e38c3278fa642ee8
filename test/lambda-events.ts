// Invocation events in the shapes AWS documents for each front door: API Gateway REST
// (payload format 1.0), HTTP API (2.0), WebSocket ($connect / MESSAGE / $disconnect),
// ALB, Lambda function URL and SQS. Every value the shape defines is present, so that
// `$context` variables can be checked against the event.

export const TOKEN = 'orToken42.abcDEF';
export const RECORDING = '0b6c9d2e-1f3a-4c5b-8d7e-9a0b1c2d3e4f';

type Headers = Record<string, string>;

export function restV1(headers: Headers = {}, query: Record<string, string> | null = null) {
  const allHeaders: Headers = {
    Accept: '*/*',
    Host: 'r3pmxmplak.execute-api.us-east-2.amazonaws.com',
    'User-Agent': 'curl/7.88.1',
    'X-Amzn-Trace-Id': 'Root=1-5e66d96f-7491f09xmpl79d18acf3d050',
    'X-Forwarded-For': '205.255.255.176',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
    ...headers,
  };
  return {
    resource: '/orders/{id}',
    path: '/orders/7',
    httpMethod: 'GET',
    headers: allHeaders,
    multiValueHeaders: Object.fromEntries(Object.entries(allHeaders).map(([k, v]) => [k, [v]])),
    queryStringParameters: query,
    multiValueQueryStringParameters: query
      ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]]))
      : null,
    pathParameters: { id: '7' },
    stageVariables: null,
    requestContext: {
      resourceId: '2gxmpl',
      resourcePath: '/orders/{id}',
      httpMethod: 'GET',
      extendedRequestId: 'JJbxmplHYosFVYQ=',
      requestTime: '10/Mar/2020:00:03:59 +0000',
      path: '/Prod/orders/7',
      accountId: '123456789012',
      protocol: 'HTTP/1.1',
      stage: 'Prod',
      domainPrefix: 'r3pmxmplak',
      requestTimeEpoch: 1583798639428,
      requestId: '77375676-xmpl-4b79-853a-f982474efe18',
      identity: {
        cognitoIdentityPoolId: null,
        accountId: null,
        cognitoIdentityId: null,
        caller: null,
        sourceIp: '205.255.255.176',
        principalOrgId: null,
        accessKey: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: null,
        userAgent: 'curl/7.88.1',
        user: null,
        apiKey: null,
        apiKeyId: null,
        clientCert: null,
      },
      domainName: 'r3pmxmplak.execute-api.us-east-2.amazonaws.com',
      apiId: 'r3pmxmplak',
    },
    body: null,
    isBase64Encoded: false,
  };
}

export function httpV2(
  headers: Headers = {},
  domainName = 'r3pmxmplak.execute-api.us-east-2.amazonaws.com',
) {
  const apiId = domainName.split('.')[0]!;
  return {
    version: '2.0',
    routeKey: 'GET /orders/{id}',
    rawPath: '/orders/7',
    rawQueryString: 'expand=items',
    cookies: ['session=abc'],
    headers: {
      accept: '*/*',
      'content-length': '0',
      host: domainName,
      'user-agent': 'curl/7.88.1',
      'x-amzn-trace-id': 'Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e',
      'x-forwarded-for': '205.255.255.176',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      ...headers,
    },
    queryStringParameters: { expand: 'items' },
    pathParameters: { id: '7' },
    requestContext: {
      accountId: '123456789012',
      apiId,
      domainName,
      domainPrefix: apiId,
      http: {
        method: 'GET',
        path: '/orders/7',
        protocol: 'HTTP/1.1',
        sourceIp: '205.255.255.176',
        userAgent: 'curl/7.88.1',
      },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: domainName.includes('.lambda-url.') ? '$default' : 'GET /orders/{id}',
      stage: '$default',
      time: '10/Mar/2020:05:16:23 +0000',
      timeEpoch: 1583817383220,
    },
    body: '',
    isBase64Encoded: false,
  };
}

export function functionUrl(headers: Headers = {}) {
  const event = httpV2(headers, 'a7xmplzpghpoqf2hwbrh4v5d6e0nnpfb.lambda-url.us-east-2.on.aws');
  return { ...event, routeKey: '$default', rawQueryString: '', queryStringParameters: undefined };
}

export function alb(headers: Headers = {}) {
  return {
    requestContext: {
      elb: {
        targetGroupArn:
          'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/lambda-279XGJDqGZ5rsrHC2Fjr/49e9d65c45c6791a',
      },
    },
    httpMethod: 'GET',
    path: '/orders/7',
    queryStringParameters: {},
    headers: {
      accept: 'text/html',
      host: 'lambda-alb-123578498.us-east-2.elb.amazonaws.com',
      'user-agent': 'Mozilla/5.0',
      'x-amzn-trace-id': 'Root=1-5c536348-3d683b8b04734faae651f476',
      'x-forwarded-for': '72.12.164.125',
      'x-forwarded-port': '80',
      'x-forwarded-proto': 'http',
      ...headers,
    },
    body: '',
    isBase64Encoded: false,
  };
}

const WS_DOMAIN = 'ws9xmpl4ka.execute-api.us-east-1.amazonaws.com';

function wsContext(eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT', connectionId: string) {
  const routeKey = { CONNECT: '$connect', MESSAGE: 'sendmessage', DISCONNECT: '$disconnect' }[
    eventType
  ];
  return {
    routeKey,
    eventType,
    extendedRequestId: `${eventType[0]}xmplF3aIAMF${connectionId.slice(0, 4)}=`,
    requestTime: '09/Feb/2024:17:02:11 +0000',
    messageDirection: 'IN',
    stage: 'production',
    connectedAt: 1707498131000,
    requestTimeEpoch: 1707498131522,
    identity: { sourceIp: '192.0.2.18', userAgent: 'Mozilla/5.0' },
    requestId: `${eventType[0]}xmplF3aIAMFfcQ=`,
    domainName: WS_DOMAIN,
    connectionId,
    apiId: 'ws9xmpl4ka',
  };
}

export function wsConnect(connectionId: string, query: Record<string, string> = {}) {
  const headers: Headers = {
    Host: WS_DOMAIN,
    Origin: 'https://shop.example',
    'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    'User-Agent': 'Mozilla/5.0',
    'X-Amzn-Trace-Id': 'Root=1-65c65a93-0b5cxmpl51b4f6a43a0a3c12',
    'X-Forwarded-For': '192.0.2.18',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
  };
  return {
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: query,
    multiValueQueryStringParameters: Object.fromEntries(
      Object.entries(query).map(([k, v]) => [k, [v]]),
    ),
    requestContext: wsContext('CONNECT', connectionId),
    isBase64Encoded: false,
  };
}

export function wsMessage(connectionId: string, body = '{"action":"sendmessage","text":"hi"}') {
  return {
    requestContext: { ...wsContext('MESSAGE', connectionId), messageId: 'TmxmplF3aIAMF3w=' },
    body,
    isBase64Encoded: false,
  };
}

export function wsDisconnect(connectionId: string) {
  return {
    headers: { Host: WS_DOMAIN, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' },
    multiValueHeaders: {
      Host: [WS_DOMAIN],
      'x-api-key': [''],
      'X-Forwarded-For': [''],
      'x-restapi': [''],
    },
    requestContext: {
      ...wsContext('DISCONNECT', connectionId),
      disconnectStatusCode: 1001,
      disconnectReason: 'Going away',
    },
    isBase64Encoded: false,
  };
}

export function sqs(attributes: Record<string, string>) {
  return {
    Records: [
      {
        messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
        receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...',
        body: '{"order":7}',
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '1545082649183',
          SenderId: 'AIDAIENQZJOLO23YVJ4VO',
          ApproximateFirstReceiveTimestamp: '1545082649185',
        },
        messageAttributes: Object.fromEntries(
          Object.entries(attributes).map(([name, value]) => [
            name,
            { stringValue: value, stringListValues: [], binaryListValues: [], dataType: 'String' },
          ]),
        ),
        md5OfBody: '098f6bcd4621d373cade4e832627b4f6',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-2:123456789012:orders',
        awsRegion: 'us-east-2',
      },
    ],
  };
}
