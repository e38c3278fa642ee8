import type { IncomingHttpHeaders } from 'node:http';
import { state } from './state.js';

// Safe sets from SPEC §1: no whitespace, control or escape characters, no brackets.
const SESSION_TOKEN = /^[A-Za-z0-9._~+/=-]{1,512}$/;
const RECORDING_ID = /^[A-Za-z0-9-]{1,128}$/;
const REQUEST_ID = /^[A-Za-z0-9._~+/=-]{1,128}$/;
// OpenReplay's numeric session id (tracker.getSessionID()).
const SESSION_ID = /^[0-9]{1,20}$/;

export type IdKind = 'sessionToken' | 'recordingId' | 'requestId' | 'sessionId';

const PATTERNS: Record<IdKind, RegExp> = {
  sessionToken: SESSION_TOKEN,
  recordingId: RECORDING_ID,
  requestId: REQUEST_ID,
  sessionId: SESSION_ID,
};

/** Whether `value` is a well-formed id of the given kind. */
export function isValidId(kind: IdKind, value: unknown): value is string {
  return typeof value === 'string' && PATTERNS[kind].test(value);
}

// The same sets as the patterns above, one character at a time, and their lengths: used
// only to say why a value was rejected (`rejectionReason`), never on the accepting path.
const ALLOWED: Record<IdKind, RegExp> = {
  sessionToken: /[A-Za-z0-9._~+/=-]/,
  recordingId: /[A-Za-z0-9-]/,
  requestId: /[A-Za-z0-9._~+/=-]/,
  sessionId: /[0-9]/,
};
const MAX_LENGTH: Record<IdKind, number> = {
  sessionToken: 512,
  recordingId: 128,
  requestId: 128,
  sessionId: 20,
};

/** A character named without echoing anything unprintable: `"["` or `U+0009`. */
function describeCharacter(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if (code > 0x20 && code < 0x7f) return `"${char}"`;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Why a header value is not a valid id of `kind` (too long, a forbidden character,
 * repeated…), or `undefined` when it is valid. Never quotes the value itself: it may be
 * a secret or hostile text.
 *
 * @example
 * rejectionReason('sessionToken', 'abc[1]'); // 'forbidden character "[" at position 4 of 6'
 */
export function rejectionReason(kind: IdKind, value: unknown): string | undefined {
  if (isValidId(kind, value)) return undefined;
  if (Array.isArray(value)) return `sent ${value.length} times (a repeated id is ambiguous)`;
  if (typeof value !== 'string') return 'not text';
  if (value.length === 0) return 'empty';
  const max = MAX_LENGTH[kind];
  if (value.length > max) return `too long (${value.length} characters, at most ${max})`;
  // Node joins a repeated header's values with ", ".
  if (value.includes(',')) return 'repeated or a list (contains ",")';
  const chars = [...value];
  const at = chars.findIndex((char) => !ALLOWED[kind].test(char));
  if (at === -1) return 'not accepted';
  return `forbidden character ${describeCharacter(chars[at]!)} at position ${at + 1} of ${chars.length}`;
}

/**
 * Result of reading one id header: the valid value, `undefined` when absent,
 * or `null` when present but rejected (so the caller can count it).
 */
export function readIdHeader(
  headers: IncomingHttpHeaders,
  name: string,
  kind: IdKind,
): string | undefined | null {
  const value = headers[name];
  if (value === undefined) return undefined;
  // Arrays and comma-joined duplicates fail the pattern: repeated ids are ambiguous.
  return isValidId(kind, value) ? value : null;
}

/**
 * The incoming header names replaylink reads (session token, recording id, request id,
 * session id), as configured by `init`. A cross-origin frontend sends them, so a CORS
 * preflight must allow them. Call it after `init` when the names are customised.
 *
 * @example
 * app.use(cors({ origin: 'https://shop.example', allowedHeaders: ['content-type', ...replaylinkHeaders()] }));
 */
export function replaylinkHeaders(): string[] {
  const { sessionToken, recordingId, requestId, sessionId } = state.options.headers;
  return [sessionToken, recordingId, requestId, sessionId];
}
