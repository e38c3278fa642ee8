import { hostname } from 'node:os';
import { warnOnce } from '../core/diagnostics.js';
import { invalidOption } from '../core/errors.js';
import { hasControlCharacters } from '../core/text.js';
import type { ForwardEvent } from './event.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Compression = 'gzip' | 'deflate' | 'br';

/** Options that govern forwarding events to the fullstack send API. */
export interface ForwardingOptions {
  /** Bearer key of the send API. Default: env `REPLAYLINK_API_KEY`. Without one nothing is forwarded. */
  apiKey?: string;
  /** Send API address. Default: env `REPLAYLINK_ENDPOINT`, else BugReplay's. */
  endpoint?: string;
  /** Which server sent the event. Default: the host name. */
  origin?: string;
  /** What is forwarded: exceptions (default `true`) and console logs from a level (default `'info'`). */
  forward?: { exceptions?: boolean; logs?: Exclude<LogLevel, 'debug'> | false };
  /** Last look at each event: return it (changed or not) to send it, `null` to drop it. */
  beforeSend?: (event: ForwardEvent) => ForwardEvent | null;
  /** Request body compression. Default `false`. */
  compression?: Compression | false;
  /** Events waiting or in flight, at most. Default 1,000; more are dropped and counted. */
  maxQueue?: number;
  /**
   * Bytes of serialised events waiting or in flight, at most. Default 8 MiB; an event
   * that would pass it is dropped and counted as `dropped.queueFull`.
   */
  maxQueueBytes?: number;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** Per-request timeout in ms. Default 5,000. */
  timeoutMs?: number;
  /**
   * Longest time pending events keep the process alive once the application's own work is
   * done (or when it dies of an uncaught exception). Default 2,000 ms.
   */
  shutdownTimeoutMs?: number;
  /**
   * Allow sending the api key to a plain `http://` endpoint on another host (clear text
   * on the network). Loopback addresses never need it. Default `false`.
   */
  allowInsecureEndpoint?: boolean;
}

export interface ResolvedForwarding {
  readonly apiKey: string | undefined;
  readonly endpoint: string;
  readonly origin: string;
  readonly exceptions: boolean;
  readonly logs: Exclude<LogLevel, 'debug'> | false;
  readonly beforeSend: ((event: ForwardEvent) => ForwardEvent | null) | undefined;
  readonly compression: Compression | false;
  readonly maxQueue: number;
  readonly maxQueueBytes: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly shutdownTimeoutMs: number;
}

export const DEFAULT_ENDPOINT = 'https://app.bugreplay.com/api/fullstack/v1/send';
export const FORWARD_OPTION_KEYS = [
  'apiKey',
  'endpoint',
  'origin',
  'forward',
  'beforeSend',
  'compression',
  'maxQueue',
  'maxQueueBytes',
  'concurrency',
  'timeoutMs',
  'shutdownTimeoutMs',
  'allowInsecureEndpoint',
] as const;

// Header-safe: visible ASCII only, so a key can never split or inject a header.
const API_KEY = /^[\x21-\x7e]{1,512}$/;

function integer(
  input: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = input[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(name, value, `an integer from ${min} to ${max}`);
  }
  return value;
}

function endpointOf(value: unknown): string {
  if (value === undefined) return DEFAULT_ENDPOINT;
  const accepted = 'an http:// or https:// URL';
  if (typeof value !== 'string') throw invalidOption('endpoint', value, accepted);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidOption('endpoint', value, accepted);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidOption('endpoint', value, accepted);
  return url.href;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** An api key goes over plain HTTP only to this machine, unless the user says otherwise. */
function checkTransportSecurity(endpoint: string, allow: unknown): void {
  if (allow !== undefined && typeof allow !== 'boolean')
    throw invalidOption('allowInsecureEndpoint', allow, 'true or false');
  const url = new URL(endpoint);
  if (url.protocol !== 'http:' || LOOPBACK.test(url.hostname)) return;
  if (allow === true) {
    warnOnce(
      'insecureEndpoint',
      `the api key is sent in clear text to ${url.host} (allowInsecureEndpoint: true)`,
    );
    return;
  }
  throw invalidOption(
    'endpoint',
    `${url.origin}${url.pathname}`,
    'an https:// URL when an api key is set (the key would travel in clear text); ' +
      'use https, a loopback address, or allowInsecureEndpoint: true',
  );
}

function forwardOf(value: unknown): {
  exceptions: boolean;
  logs: Exclude<LogLevel, 'debug'> | false;
} {
  if (value === undefined) return { exceptions: true, logs: 'info' };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidOption('forward', value, 'an object { exceptions?, logs? }');
  }
  const { exceptions = true, logs = 'info' } = value as Record<string, unknown>;
  if (typeof exceptions !== 'boolean')
    throw invalidOption('forward.exceptions', exceptions, 'true or false');
  if (logs !== false && logs !== 'info' && logs !== 'warn' && logs !== 'error') {
    throw invalidOption('forward.logs', logs, "'info', 'warn', 'error' or false");
  }
  return { exceptions, logs };
}

/** Validates the forwarding options; environment variables fill in what is not given. */
export function resolveForwarding(
  input: Record<string, unknown>,
  env = process.env,
): ResolvedForwarding {
  const apiKey = input.apiKey ?? (env.REPLAYLINK_API_KEY || undefined);
  if (apiKey !== undefined && (typeof apiKey !== 'string' || !API_KEY.test(apiKey))) {
    // Never echo a key back, not even in an error message.
    throw invalidOption(
      'apiKey',
      typeof apiKey === 'string' ? '(hidden)' : apiKey,
      'visible ASCII characters, 1–512',
    );
  }
  const origin = input.origin ?? hostname();
  if (
    typeof origin !== 'string' ||
    origin.length === 0 ||
    origin.length > 200 ||
    hasControlCharacters(origin)
  ) {
    throw invalidOption(
      'origin',
      origin,
      'a string of 1–200 characters without control characters',
    );
  }
  const compression = input.compression ?? false;
  if (
    compression !== false &&
    compression !== 'gzip' &&
    compression !== 'deflate' &&
    compression !== 'br'
  ) {
    throw invalidOption('compression', compression, "false, 'gzip', 'deflate' or 'br'");
  }
  const beforeSend = input.beforeSend;
  if (beforeSend !== undefined && typeof beforeSend !== 'function') {
    throw invalidOption('beforeSend', beforeSend, 'a function (event) => event | null');
  }
  const { exceptions, logs } = forwardOf(input.forward);
  const endpoint = endpointOf(input.endpoint ?? (env.REPLAYLINK_ENDPOINT || undefined));
  if (apiKey !== undefined) checkTransportSecurity(endpoint, input.allowInsecureEndpoint);
  return {
    apiKey,
    endpoint,
    origin,
    exceptions,
    logs,
    beforeSend: beforeSend as ResolvedForwarding['beforeSend'],
    compression,
    maxQueue: integer(input, 'maxQueue', 1000, 1, 1_000_000),
    maxQueueBytes: integer(input, 'maxQueueBytes', 8 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    concurrency: integer(input, 'concurrency', 4, 1, 64),
    timeoutMs: integer(input, 'timeoutMs', 5000, 50, 120_000),
    shutdownTimeoutMs: integer(input, 'shutdownTimeoutMs', 2000, 0, 60_000),
  };
}
