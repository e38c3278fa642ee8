import { invalidOption } from './errors.js';

/** The ids a request can carry, in the order their tags are written. */
export const TAG_KINDS = ['sessionToken', 'recordingId', 'sessionId'] as const;
export type TagKind = (typeof TAG_KINDS)[number];

/**
 * The names OpenReplay's tracker sends the session token under: `fetch`/XHR (the
 * `network.sessionTokenHeader` option) and its axios hook (`network.axiosInstances`).
 */
export const TRACKER_TOKEN_HEADERS = Object.freeze([
  'x-openreplay-sessiontoken',
  'x-openreplay-session-token',
]);

/** The core options of {@link init}: where ids come from and how they are written. */
export interface CoreOptionsInput {
  /** Incoming header names (matched case-insensitively). */
  headers?: {
    /**
     * OpenReplay session token header, read first. Default `x-openreplay-sessiontoken`.
     * The names OpenReplay's tracker uses (`x-openreplay-sessiontoken`,
     * `x-openreplay-session-token`) are always read after it.
     */
    sessionToken?: string;
    /** BugReplay recording id header. Default `br-recording-uuid`. */
    recordingId?: string;
    /** Request id header, reused when valid. Default `x-request-id`. */
    requestId?: string;
    /** OpenReplay numeric session id header (`tracker.getSessionID()`). Default `x-openreplay-session-id`. */
    sessionId?: string;
  };
  /**
   * When a request has an OpenReplay session token but no session id header, read the
   * numeric session id out of the token (its first segment, in base 36), so that
   * `openReplaySession.id=…` is stamped too. Default `true`.
   */
  sessionIdFromToken?: boolean;
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
   * Print the library's own diagnostics on stderr (never stamped): what is on, at set-up,
   * and why a request's lines are not stamped (the first few, then a count a minute).
   * Default `false`, or `true` when the environment has `REPLAYLINK_DEBUG=1` or a `DEBUG`
   * naming `replaylink`.
   */
  debug?: boolean;
  /**
   * How many of the last lines a recorded request wrote are sent with its exception, as
   * `breadcrumbs` in the event's metadata (8 KiB at most in all). `0` turns it off.
   * Default `20`.
   */
  breadcrumbs?: number;
}

export interface CoreOptions {
  readonly headers: {
    readonly sessionToken: string;
    readonly recordingId: string;
    readonly requestId: string;
    readonly sessionId: string;
  };
  /** Every header name the session token is read from: `headers.sessionToken` first. */
  readonly tokenHeaders: readonly string[];
  readonly sessionIdFromToken: boolean;
  readonly stamp: boolean;
  readonly tagNames: {
    readonly sessionToken: string;
    readonly recordingId: string;
    readonly sessionId: string;
  };
  readonly tags: readonly TagKind[];
  readonly debug: boolean;
  readonly breadcrumbs: number;
}

/** The header names read for an id, in order: the token's configured name, then the tracker's. */
export const idHeaderNames = (
  options: CoreOptions,
  kind: (typeof TAG_KINDS)[number],
): readonly string[] => (kind === 'sessionToken' ? options.tokenHeaders : [options.headers[kind]]);

export const CORE_DEFAULTS: CoreOptions = Object.freeze({
  headers: Object.freeze({
    sessionToken: 'x-openreplay-sessiontoken',
    recordingId: 'br-recording-uuid',
    requestId: 'x-request-id',
    sessionId: 'x-openreplay-session-id',
  }),
  tokenHeaders: TRACKER_TOKEN_HEADERS,
  sessionIdFromToken: true,
  stamp: true,
  tagNames: Object.freeze({
    sessionToken: 'openReplaySessionToken',
    recordingId: 'bugReplayRecordingUuid',
    sessionId: 'openReplaySession.id',
  }),
  tags: Object.freeze([...TAG_KINDS]),
  debug: false,
  breadcrumbs: 20,
});

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;
const TAG_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
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

export function pickBoolean(
  options: Record<string, unknown>,
  name: string,
  fallback: boolean,
): boolean {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidOption(name, value, 'true or false');
  return value;
}

function pickTags(value: unknown): readonly TagKind[] {
  if (value === undefined) return CORE_DEFAULTS.tags;
  const accepted = `an array of ${TAG_KINDS.map((k) => `"${k}"`).join(', ')}`;
  if (!Array.isArray(value)) throw invalidOption('tags', value, accepted);
  for (const kind of value) {
    if (!(TAG_KINDS as readonly unknown[]).includes(kind))
      throw invalidOption('tags', kind, accepted);
  }
  // Written in a fixed order whatever the order given, so lines look alike.
  return TAG_KINDS.filter((kind) => value.includes(kind));
}

function pickBreadcrumbs(value: unknown): number {
  if (value === undefined) return CORE_DEFAULTS.breadcrumbs;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 1000)
    return value;
  throw invalidOption('breadcrumbs', value, 'an integer from 0 (off) to 1000');
}

/** `REPLAYLINK_DEBUG=1` (or `true`), or `DEBUG` naming replaylink, turns debug on without code. */
export function debugFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const flag = env.REPLAYLINK_DEBUG?.toLowerCase();
  if (flag === '1' || flag === 'true' || flag === 'yes') return true;
  return (env.DEBUG ?? '')
    .split(/[\s,]+/)
    .some((name) => name === '*' || name.startsWith('replaylink'));
}

/** Validates the core options once, at set-up, and merges them over the defaults. */
export function resolveCoreOptions(input: Record<string, unknown>): CoreOptions {
  const headers = pickGroup(input, 'headers');
  const tagNames = pickGroup(input, 'tagNames');
  const headerName = (key: 'sessionToken' | 'recordingId' | 'requestId' | 'sessionId') =>
    pickString(
      headers,
      'headers',
      key,
      CORE_DEFAULTS.headers[key],
      HEADER_NAME,
      'an HTTP header name',
    ).toLowerCase();
  const tagName = (key: TagKind) =>
    pickString(
      tagNames,
      'tagNames',
      key,
      CORE_DEFAULTS.tagNames[key],
      TAG_NAME,
      'letters, digits, "_", "." or "-" (1–64)',
    );
  const sessionToken = headerName('sessionToken');
  return {
    headers: {
      sessionToken,
      recordingId: headerName('recordingId'),
      requestId: headerName('requestId'),
      sessionId: headerName('sessionId'),
    },
    tokenHeaders: [...new Set([sessionToken, ...TRACKER_TOKEN_HEADERS])],
    sessionIdFromToken: pickBoolean(input, 'sessionIdFromToken', CORE_DEFAULTS.sessionIdFromToken),
    stamp: pickBoolean(input, 'stamp', CORE_DEFAULTS.stamp),
    tagNames: {
      sessionToken: tagName('sessionToken'),
      recordingId: tagName('recordingId'),
      sessionId: tagName('sessionId'),
    },
    tags: pickTags(input.tags),
    debug: pickBoolean(input, 'debug', debugFromEnv()),
    breadcrumbs: pickBreadcrumbs(input.breadcrumbs),
  };
}
