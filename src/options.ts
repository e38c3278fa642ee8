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

/** The ids a request can carry, in the order their tags are written. */
export const TAG_KINDS = ['sessionToken', 'recordingId', 'sessionId'] as const;
export type TagKind = (typeof TAG_KINDS)[number];

/** Where outgoing requests may carry the ids: exact origins or patterns tested on the origin. */
export interface PropagateOptions {
  /**
   * Origins (`https://orders.internal`) or RegExps tested against the origin
   * (`protocol://host[:port]`, e.g. `/\.internal\.example$/`).
   */
  origins: ReadonlyArray<string | RegExp>;
}

export interface ResolvedPropagation {
  readonly origins: ReadonlySet<string>;
  readonly patterns: readonly RegExp[];
}

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
    /** Default `openReplaySession.id` (what newer OpenReplay releases search for). */
    sessionId?: string;
  };
  /**
   * Which ids are stamped in message text and added as logger fields. Default: all of
   * `['sessionToken', 'recordingId', 'sessionId']` (each only when the request has it).
   */
  tags?: ReadonlyArray<TagKind>;
  /**
   * Adds the request's id headers to outgoing `fetch`, undici and `http(s).request` calls
   * made inside it, to these origins only. Off by default.
   */
  propagate?: PropagateOptions;
  /**
   * Sets `session.id` and `bugreplay.recording_id` on the active OpenTelemetry span when a
   * request enters its context. Needs `@opentelemetry/api`. Default `false`.
   */
  openTelemetry?: boolean;
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
  readonly tagNames: {
    readonly sessionToken: string;
    readonly recordingId: string;
    readonly sessionId: string;
  };
  readonly tags: readonly TagKind[];
  readonly propagate: ResolvedPropagation | undefined;
  readonly openTelemetry: boolean;
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
    sessionId: 'openReplaySession.id',
  }),
  tags: Object.freeze([...TAG_KINDS]),
  propagate: undefined,
  openTelemetry: false,
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
  'tags',
  'propagate',
  'openTelemetry',
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

function pickTags(value: unknown): readonly TagKind[] {
  if (value === undefined) return DEFAULTS.tags;
  const accepted = `an array of ${TAG_KINDS.map((k) => `"${k}"`).join(', ')}`;
  if (!Array.isArray(value)) throw invalidOption('tags', value, accepted);
  for (const kind of value) {
    if (!(TAG_KINDS as readonly unknown[]).includes(kind))
      throw invalidOption('tags', kind, accepted);
  }
  // Written in a fixed order whatever the order given, so lines look alike.
  return TAG_KINDS.filter((kind) => value.includes(kind));
}

/** Parses an allowlisted origin: http(s), no credentials, path, query or fragment. */
function parseOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const bare = url.pathname === '/' && url.search === '' && url.hash === '';
  const plain = url.username === '' && url.password === '';
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !bare || !plain) return undefined;
  return url.origin;
}

function pickPropagate(value: unknown): ResolvedPropagation | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw invalidOption('propagate', value, 'an object with "origins"');
  const accepted = 'an origin such as "https://orders.internal" or a RegExp';
  const list = value.origins;
  if (!Array.isArray(list) || list.length === 0)
    throw invalidOption('propagate.origins', list, `a non-empty array of ${accepted}s`);
  const origins = new Set<string>();
  const patterns: RegExp[] = [];
  for (const entry of list) {
    if (entry instanceof RegExp) {
      // Without g/y so test() keeps no state between requests.
      patterns.push(new RegExp(entry.source, entry.flags.replace(/[gy]/g, '')));
      continue;
    }
    const origin = typeof entry === 'string' ? parseOrigin(entry) : undefined;
    if (origin === undefined) throw invalidOption('propagate.origins', entry, accepted);
    origins.add(origin);
  }
  return { origins, patterns };
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
  const tagName = (key: TagKind) =>
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
    tagNames: {
      sessionToken: tagName('sessionToken'),
      recordingId: tagName('recordingId'),
      sessionId: tagName('sessionId'),
    },
    tags: pickTags(input.tags),
    propagate: pickPropagate(input.propagate),
    openTelemetry: pickBoolean(input, 'openTelemetry', DEFAULTS.openTelemetry),
    debug: pickBoolean(input, 'debug', DEFAULTS.debug),
    forwarding: resolveForwarding(input),
    liveSessions: resolveLiveSessions(input.liveSessions),
  };
}
