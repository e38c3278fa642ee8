import { invalidOption } from './errors.js';
import {
  FORWARD_OPTION_KEYS,
  type ForwardingOptions,
  type ResolvedForwarding,
  resolveForwarding,
} from './forward-options.js';
import {
  type LiveSessionsOptions,
  type ResolvedLiveSessions,
  resolveLiveSessions,
} from './sessions/options.js';

/** Options of {@link init}. Every field is optional; defaults are in {@link DEFAULTS}. */
export interface ReplayLinkOptions extends ForwardingOptions {
  /** Incoming header names (matched case-insensitively). */
  headers?: {
    /** OpenReplay session token header. Default `x-openreplay-sessiontoken`. */
    sessionToken?: string;
    /** BugReplay recording id header. Default `br-recording-uuid`. */
    recordingId?: string;
    /** Request id header, reused when valid. Default `x-request-id`. */
    requestId?: string;
    /** OpenReplay numeric session id header (`tracker.getSessionID()`). Default `x-openreplay-session-id`. */
    sessionId?: string;
  };
  /** Stamp the ids on console, stdout and stderr output inside a request. Default `true`. */
  stamp?: boolean;
  /** Tag names written in stamped lines, e.g. `[openReplaySessionToken=…]`. */
  tagNames?: {
    /** Default `openReplaySessionToken` (what OpenReplay searches for). */
    sessionToken?: string;
    /** Default `bugReplayRecordingUuid`. */
    recordingId?: string;
  };
  /** Print the library's own diagnostics on stderr (never stamped). Default `false`. */
  debug?: boolean;
  /** Keep a registry of the live sessions seen by this backend (off by default). */
  liveSessions?: LiveSessionsOptions;
}

export interface ResolvedOptions {
  readonly headers: {
    readonly sessionToken: string;
    readonly recordingId: string;
    readonly requestId: string;
    readonly sessionId: string;
  };
  readonly stamp: boolean;
  readonly tagNames: { readonly sessionToken: string; readonly recordingId: string };
  readonly debug: boolean;
  readonly forwarding: ResolvedForwarding;
  readonly liveSessions: ResolvedLiveSessions | undefined;
}

export const DEFAULTS: ResolvedOptions = Object.freeze({
  headers: Object.freeze({
    sessionToken: 'x-openreplay-sessiontoken',
    recordingId: 'br-recording-uuid',
    requestId: 'x-request-id',
    sessionId: 'x-openreplay-session-id',
  }),
  stamp: true,
  tagNames: Object.freeze({
    sessionToken: 'openReplaySessionToken',
    recordingId: 'bugReplayRecordingUuid',
  }),
  debug: false,
  forwarding: Object.freeze(resolveForwarding({}, {})),
  liveSessions: undefined,
});

const OPTION_KEYS = [
  'headers',
  'stamp',
  'tagNames',
  'debug',
  'liveSessions',
  ...FORWARD_OPTION_KEYS,
] as const;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;
const TAG_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pickString(
  group: Record<string, unknown> | undefined,
  groupName: string,
  key: string,
  fallback: string,
  pattern: RegExp,
  accepted: string,
): string {
  const value = group?.[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw invalidOption(`${groupName}.${key}`, value, accepted);
  }
  return value;
}

function pickGroup(
  options: Record<string, unknown>,
  name: string,
): Record<string, unknown> | undefined {
  const group = options[name];
  if (group === undefined) return undefined;
  if (!isPlainObject(group)) throw invalidOption(name, group, 'an object');
  return group;
}

function pickBoolean(options: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidOption(name, value, 'true or false');
  return value;
}

/** Validates user options once, at set-up, and merges them over the defaults. */
export function resolveOptions(input: unknown = {}): ResolvedOptions {
  if (!isPlainObject(input)) throw invalidOption('options', input, 'an object');
  for (const key of Object.keys(input)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) {
      throw invalidOption(key, input[key], `no such option (accepted: ${OPTION_KEYS.join(', ')})`);
    }
  }
  const headers = pickGroup(input, 'headers');
  const tagNames = pickGroup(input, 'tagNames');
  const headerName = (key: 'sessionToken' | 'recordingId' | 'requestId' | 'sessionId') =>
    pickString(
      headers,
      'headers',
      key,
      DEFAULTS.headers[key],
      HEADER_NAME,
      'an HTTP header name',
    ).toLowerCase();
  const tagName = (key: 'sessionToken' | 'recordingId') =>
    pickString(
      tagNames,
      'tagNames',
      key,
      DEFAULTS.tagNames[key],
      TAG_NAME,
      'letters, digits, "_", "." or "-" (1–64)',
    );
  return {
    headers: {
      sessionToken: headerName('sessionToken'),
      recordingId: headerName('recordingId'),
      requestId: headerName('requestId'),
      sessionId: headerName('sessionId'),
    },
    stamp: pickBoolean(input, 'stamp', DEFAULTS.stamp),
    tagNames: { sessionToken: tagName('sessionToken'), recordingId: tagName('recordingId') },
    debug: pickBoolean(input, 'debug', DEFAULTS.debug),
    forwarding: resolveForwarding(input),
    liveSessions: resolveLiveSessions(input.liveSessions),
  };
}
