import type { IncomingMessage } from 'node:http';
import { diagnose } from '../core/diagnostics.js';
import { state } from '../core/state.js';
import { clfTime } from './clf-time.js';
import type { AccessRecord } from './record.js';

/** The callbacks and constants a template can draw on (validated access-log options). */
export interface VariableSettings {
  readonly stage: string | undefined;
  readonly apiId: string | undefined;
  readonly user: ((req: IncomingMessage) => unknown) | undefined;
  readonly caller: ((req: IncomingMessage) => unknown) | undefined;
  readonly apiKeyId: ((req: IncomingMessage) => unknown) | undefined;
  readonly authorizer: ((req: IncomingMessage) => unknown) | undefined;
  /** Application-given values (`accessLog.values`), by variable name; they win over ours. */
  readonly values: ReadonlyMap<string, (req: IncomingMessage) => unknown>;
}

/** A value for the line; `undefined` prints as `-`. Numbers are written unescaped. */
export type Value = string | number | undefined;

export interface Variable {
  read(record: AccessRecord, settings: VariableSettings): Value;
  /** The value carries its own double quotes (`error.messageString`). */
  readonly quoted?: true;
}

function text(value: unknown): Value {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** Runs a user callback; a throw is counted and reported, and the value is absent. */
function callback(
  name: string,
  fn: ((req: IncomingMessage) => unknown) | undefined,
  req: IncomingMessage | undefined,
): unknown {
  if (fn === undefined || req === undefined) return undefined;
  try {
    return fn(req);
  } catch (error) {
    state.stats.accessLog.failures++;
    diagnose(`accessLog.${name} threw: ${error instanceof Error ? error.message : typeof error}`);
    return undefined;
  }
}

function header(req: IncomingMessage | undefined, name: string): Value {
  const value = req?.headers[name];
  return typeof value === 'string' ? text(value) : undefined;
}

function errorMessage(error: unknown): string | undefined {
  if (error === undefined || error === null) return undefined;
  if (error instanceof Error) return error.message;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' ? message : String(error);
}

function errorType(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, name } = error as { code?: unknown; name?: unknown };
  if (typeof code === 'string') return code;
  return typeof name === 'string' ? name : undefined;
}

const v = (read: Variable['read']): Variable => ({ read });
// What API Gateway knows and a Node server does not (WAF, Cognito, IAM…): printed as `-`,
// as API Gateway prints an absent value, unless `accessLog.values` gives one.
const unknown = v(() => undefined);

/** Every fixed `$context.<name>`, as SPEC §5 and API Gateway define them. */
export const VARIABLES: ReadonlyMap<string, Variable> = new Map<string, Variable>([
  ['requestId', v((r) => r.requestId ?? r.context.requestId)],
  ['extendedRequestId', v((r) => r.context.requestId)],
  ['identity.sourceIp', v((r) => r.sourceIp)],
  ['identity.userAgent', v((r) => header(r.req, 'user-agent'))],
  ['identity.caller', v((r, s) => text(callback('caller', s.caller, r.req)))],
  ['identity.user', v((r, s) => text(callback('user', s.user, r.req)))],
  ['identity.apiKeyId', v((r, s) => text(callback('apiKeyId', s.apiKeyId, r.req)))],
  ['requestTime', v((r) => clfTime(r.context.startedAt))],
  ['requestTimeEpoch', v((r) => r.context.startedAt)],
  ['domainName', v((r) => header(r.req, 'host'))],
  ['stage', v((_, s) => s.stage)],
  ['apiId', v((_, s) => s.apiId)],
  ['routeKey', v((r) => r.routeKey())],
  ['status', v((r) => r.status)],
  ['eventType', v((r) => r.eventType)],
  ['connectionId', v((r) => r.connectionId)],
  ['connectedAt', v((r) => r.connectedAt)],
  ['messageId', v((r) => r.messageId)],
  ['integrationLatency', v((r) => r.integrationLatency)],
  ['responseLatency', v((r) => r.responseLatency)],
  ['responseLength', v((r) => r.responseLength)],
  ['httpMethod', v((r) => r.context.method)],
  ['path', v((r) => text(r.context.path))],
  ['error.message', v((r) => text(errorMessage(r.error)))],
  // Quoted even when absent (`"-"`), so `"e": $context.error.messageString` stays JSON.
  ['error.messageString', { read: (r) => errorMessage(r.error) ?? '-', quoted: true }],
  ['error.responseType', v((r) => errorType(r.error))],
  ['error.validationErrorString', unknown],
  // The handler is the integration: its latency, status and error are the request's.
  ['integration.latency', v((r) => r.integrationLatency)],
  ['integration.status', v((r) => r.status)],
  ['integration.integrationStatus', v((r) => r.status)],
  ['integration.error', v((r) => text(errorMessage(r.error)))],
  ['integration.requestId', unknown],
  ['identity.accountId', unknown],
  // Never the key itself unless the application chooses to log it through `values`.
  ['identity.apiKey', unknown],
  ['identity.cognitoAuthenticationProvider', unknown],
  ['identity.cognitoAuthenticationType', unknown],
  ['identity.cognitoIdentityId', unknown],
  ['identity.cognitoIdentityPoolId', unknown],
  ['identity.principalOrgId', unknown],
  ['identity.userArn', unknown],
  ['authorize.error', unknown],
  ['authorize.latency', unknown],
  ['authorize.status', unknown],
  ['authenticate.error', unknown],
  ['authenticate.latency', unknown],
  ['authenticate.status', unknown],
  ['waf.error', unknown],
  ['waf.latency', unknown],
  ['waf.status', unknown],
  // Named by the REST and HTTP API access-log documentation; read from a Lambda event's
  // requestContext (see EVENT_PATHS), else what a Node server knows, else `-`.
  ['accountId', unknown],
  ['domainPrefix', unknown],
  ['resourceId', unknown],
  ['resourcePath', unknown],
  ['protocol', v((r) => (r.req === undefined ? undefined : `HTTP/${r.req.httpVersion}`))],
  ['messageDirection', v((r) => (r.eventType === 'MESSAGE' ? 'IN' : undefined))],
  ['disconnectStatusCode', unknown],
  ['disconnectReason', unknown],
  ['identity.accessKey', unknown],
  ['identity.clientCert.clientCertPem', unknown],
  ['identity.clientCert.subjectDN', unknown],
  ['identity.clientCert.issuerDN', unknown],
  ['identity.clientCert.serialNumber', unknown],
  ['identity.clientCert.validity.notBefore', unknown],
  ['identity.clientCert.validity.notAfter', unknown],
  ['identity.vpcId', unknown],
  ['identity.vpceId', unknown],
  ['integrationStatus', v((r) => r.status)],
  ['integrationErrorMessage', v((r) => text(errorMessage(r.error)))],
  ['awsEndpointRequestId', unknown],
  ['awsEndpointRequestId2', unknown],
  ['customDomain.basePathMatched', unknown],
  ['dataProcessed', unknown],
  ['deploymentId', unknown],
  ['isCanaryRequest', unknown],
  ['wafResponseCode', unknown],
  ['webaclArn', unknown],
  ['xrayTraceId', unknown],
  ['openReplaySessionToken', v((r) => r.context.sessionToken)],
  ['openReplaySession.id', v((r) => r.context.sessionId)],
  ['bugReplayRecordingUuid', v((r) => r.context.recordingId)],
]);

type Path = readonly string[];

const p = (...dotted: string[]): Path[] => dotted.map((d) => d.split('.'));

/**
 * Where a Lambda event's `requestContext` keeps each variable: the REST (v1) and WebSocket
 * shape first, then the HTTP API (v2) one. A value the event carries wins over ours; the
 * API key itself is never printed from the event (`identity.apiKey` stays `-`).
 */
const EVENT_PATHS: ReadonlyMap<string, readonly Path[]> = new Map<string, readonly Path[]>([
  ['requestId', p('requestId')],
  ['extendedRequestId', p('extendedRequestId', 'requestId')],
  ['identity.sourceIp', p('identity.sourceIp', 'http.sourceIp')],
  ['identity.userAgent', p('identity.userAgent', 'http.userAgent')],
  ['identity.caller', p('identity.caller')],
  ['identity.user', p('identity.user')],
  ['identity.apiKeyId', p('identity.apiKeyId')],
  ['identity.accountId', p('identity.accountId')],
  ['identity.accessKey', p('identity.accessKey')],
  ['identity.cognitoAuthenticationProvider', p('identity.cognitoAuthenticationProvider')],
  ['identity.cognitoAuthenticationType', p('identity.cognitoAuthenticationType')],
  ['identity.cognitoIdentityId', p('identity.cognitoIdentityId')],
  ['identity.cognitoIdentityPoolId', p('identity.cognitoIdentityPoolId')],
  ['identity.principalOrgId', p('identity.principalOrgId')],
  ['identity.userArn', p('identity.userArn')],
  ['identity.vpcId', p('identity.vpcId')],
  ['identity.vpceId', p('identity.vpceId')],
  ...(
    [
      'clientCertPem',
      'subjectDN',
      'issuerDN',
      'serialNumber',
      'validity.notBefore',
      'validity.notAfter',
    ] as const
  ).map((key): [string, Path[]] => [
    `identity.clientCert.${key}`,
    p(`identity.clientCert.${key}`, `authentication.clientCert.${key}`),
  ]),
  ['requestTime', p('requestTime', 'time')],
  ['requestTimeEpoch', p('requestTimeEpoch', 'timeEpoch')],
  ['domainName', p('domainName')],
  ['domainPrefix', p('domainPrefix')],
  ['stage', p('stage')],
  ['apiId', p('apiId')],
  ['accountId', p('accountId')],
  ['routeKey', p('routeKey')],
  ['eventType', p('eventType')],
  ['connectionId', p('connectionId')],
  ['connectedAt', p('connectedAt')],
  ['messageId', p('messageId')],
  ['messageDirection', p('messageDirection')],
  ['disconnectStatusCode', p('disconnectStatusCode')],
  ['disconnectReason', p('disconnectReason')],
  ['httpMethod', p('httpMethod', 'http.method')],
  ['path', p('path', 'http.path')],
  ['protocol', p('protocol', 'http.protocol')],
  ['resourceId', p('resourceId')],
  ['resourcePath', p('resourcePath')],
  ['deploymentId', p('deploymentId')],
]);

function walk(from: unknown, path: Path): unknown {
  let value = from;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The first of `paths` the event carries a value at, as text; `undefined` when none. */
function eventValue(event: Readonly<Record<string, unknown>>, paths: readonly Path[]): Value {
  for (const path of paths) {
    const value = text(walk(event, path));
    if (value !== undefined) return value;
  }
  return undefined;
}

/** `variable`, except that a value the Lambda event carries at `paths` wins. */
function fromEventFirst(variable: Variable, paths: readonly Path[]): Variable {
  const read: Variable['read'] = (record, settings) => {
    if (record.event !== undefined) {
      const value = eventValue(record.event, paths);
      if (value !== undefined) return value;
    }
    return variable.read(record, settings);
  };
  return variable.quoted ? { read, quoted: true } : { read };
}

const FIXED: ReadonlyMap<string, Variable> = new Map(
  [...VARIABLES].map(([name, variable]) => {
    const paths = EVENT_PATHS.get(name);
    return [name, paths === undefined ? variable : fromEventFirst(variable, paths)];
  }),
);

const AUTHORIZER = 'authorizer.';

function authorizerVariable(path: readonly string[]): Variable {
  // A Lambda authorizer's context (REST: authorizer.<key>; HTTP API: authorizer.lambda.<key>),
  // or a JWT authorizer's claims (HTTP API: authorizer.jwt.claims.<key>).
  const paths = [
    ['authorizer', ...path],
    ['authorizer', 'lambda', ...path],
    ['authorizer', 'jwt', ...path],
  ];
  return v((record, settings) => {
    if (record.event !== undefined) {
      const value = eventValue(record.event, paths);
      if (value !== undefined) return value;
    }
    record.authorized ??= { value: callback('authorizer', settings.authorizer, record.req) };
    let value = record.authorized.value;
    for (const key of path) {
      if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key))
        return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    return text(value);
  });
}

function givenVariable(name: string, fn: (req: IncomingMessage) => unknown, quoted: boolean) {
  const read: Variable['read'] = (r) => text(callback(`values.${name}`, fn, r.req));
  return quoted
    ? { read: (r: AccessRecord, s: VariableSettings) => read(r, s) ?? '-', quoted }
    : v(read);
}

/**
 * The variable behind a name, or `undefined` when there is none; with `settings`, a value
 * the application gives in `accessLog.values` replaces ours.
 */
export function variableFor(name: string, settings?: VariableSettings): Variable | undefined {
  const given = settings?.values.get(name);
  if (given !== undefined) return givenVariable(name, given, VARIABLES.get(name)?.quoted === true);
  const fixed = FIXED.get(name);
  if (fixed !== undefined) return fixed;
  if (!name.startsWith(AUTHORIZER)) return undefined;
  return authorizerVariable(name.slice(AUTHORIZER.length).split('.'));
}

/** Names for error messages, `authorizer.<property>` included. */
export const SUPPORTED_NAMES: readonly string[] = [...VARIABLES.keys(), `${AUTHORIZER}<property>`];
