// The cost of lambdaHandler per invocation: an async handler called as the Lambda runtime
// calls it, bare and wrapped (context from an HTTP API event, nothing to deliver), and
// wrapped with an access line per invocation (written to a function that drops it).
const iterations = (settings) => Math.max(2000, Math.round(100_000 * settings.microScale));

const event = {
  version: '2.0',
  routeKey: 'GET /orders/{id}',
  rawPath: '/orders/7',
  rawQueryString: '',
  headers: {
    accept: '*/*',
    host: 'r3pmxmplak.execute-api.us-east-2.amazonaws.com',
    'user-agent': 'curl/7.88.1',
    'x-forwarded-for': '205.255.255.176',
    'x-openreplay-sessiontoken': 'bench.token.1',
  },
  requestContext: {
    accountId: '123456789012',
    apiId: 'r3pmxmplak',
    domainName: 'r3pmxmplak.execute-api.us-east-2.amazonaws.com',
    http: { method: 'GET', path: '/orders/7', protocol: 'HTTP/1.1', sourceIp: '205.255.255.176' },
    requestId: 'JKJaXmPLvHcESHA=',
    routeKey: 'GET /orders/{id}',
    stage: '$default',
    time: '10/Mar/2020:05:16:23 +0000',
    timeEpoch: 1583817383220,
  },
  isBase64Encoded: false,
};
const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30_000 };
const handler = async (e) => ({ statusCode: 200, body: e.rawPath });

async function usPerInvocation(fn, settings) {
  const n = iterations(settings);
  for (let i = 0; i < Math.min(n, 2000); i++) await fn(event, context); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn(event, context);
  return { us: Number(process.hrtime.bigint() - start) / n / 1000 };
}

async function wrapped(options) {
  const { lambdaHandler } = await import('replaylink/lambda');
  return lambdaHandler(handler, options);
}

export default {
  kind: 'micro',
  title: 'Micro: one Lambda invocation, bare handler vs lambdaHandler',
  subject: 'invocation',
  columns: [{ key: 'us', label: 'µs/invocation', digits: 2 }],
  ratio: { key: 'us', baseline: 'bare', label: 'time vs bare' },
  notes: [
    'Target: lambdaHandler without an access log adds under 20 µs per invocation. Outside ' +
      'the Lambda runtime (no runtime console to tag, nothing queued to deliver): what each ' +
      'invocation pays for reading the event and entering its context.',
  ],
  configurations: [
    { id: 'bare', label: 'bare async handler', measure: (s) => usPerInvocation(handler, s) },
    {
      id: 'wrapped',
      label: 'lambdaHandler(handler)',
      measure: async (s) => usPerInvocation(await wrapped(), s),
    },
    {
      id: 'access',
      label: 'lambdaHandler(handler, { accessLog: clf })',
      measure: async (s) =>
        usPerInvocation(await wrapped({ accessLog: { format: 'clf', stream: () => {} } }), s),
    },
  ],
};
