import type { IncomingHttpHeaders } from 'node:http';
import { state } from './state.js';

// Safe sets from SPEC §1: no whitespace, control or escape characters, no brackets.
const SESSION_TOKEN = /^[A-Za-z0-9._~+/=-]{1,512}$/;
const RECORDING_ID = /^[A-Za-z0-9-]{1,128}$/;
const REQUEST_ID = /^[A-Za-z0-9._~+/=-]{1,128}$/;
// OpenReplay's numeric session id (tracker.getSessionID()).
const SESSION_ID = /^[0-9]{1,20}$/;

// OpenReplay's session tokens: base36(session id) "." base36(expiry ms) "." base58 of an
// HMAC-SHA256 (32 bytes: 32 to 44 characters). The id is a uint64, so it can pass 2^53.
const OPENREPLAY_TOKEN = /^([0-9a-z]{1,13})\.[0-9a-z]{1,13}\.[1-9A-HJ-NP-Za-km-z]{32,44}$/;
const MAX_UINT64 = 2n ** 64n - 1n;
const BASE36_6 = 36n ** 6n;

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
 * The numeric session id inside a token of OpenReplay's shape, in decimal (what
 * `tracker.getSessionID()` returns), or `undefined` for any other token.
 */
export function sessionIdOfToken(token: string): string | undefined {
  const digits = OPENREPLAY_TOKEN.exec(token)?.[1];
  if (digits === undefined) return undefined;
  // Two parts of at most 7 and 6 base-36 digits each fit a double exactly.
  const cut = Math.max(0, digits.length - 6);
  const high = cut === 0 ? 0 : Number.parseInt(digits.slice(0, cut), 36);
  const id = BigInt(high) * BASE36_6 + BigInt(Number.parseInt(digits.slice(cut), 36));
  return id === 0n || id > MAX_UINT64 ? undefined : id.toString();
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
 * Reads the session token from the first of `names` present (the configured name comes
 * first, then the tracker's). A later name holding another value is a conflict: counted,
 * and the first one's verdict kept.
 */
export function readTokenHeader(
  headers: IncomingHttpHeaders,
  names: readonly string[],
): string | undefined | null {
  let first: string | string[] | undefined;
  for (const name of names) {
    const value = headers[name];
    if (value === undefined) continue;
    if (first === undefined) first = value;
    else if (value !== first) {
      state.stats.tokenHeaderConflicts++;
      break;
    }
  }
  if (first === undefined) return undefined;
  return isValidId('sessionToken', first) ? first : null;
}

/**
 * The incoming header names replaylink reads, as configured by `init`: the session
 * token's (the configured name, then `x-openreplay-sessiontoken` and
 * `x-openreplay-session-token`, the names OpenReplay's tracker sends), then the recording
 * id's, the request id's and the session id's. A cross-origin frontend sends them, so a
 * CORS preflight must allow them all. Call it after `init` when the names are customised.
 *
 * @example
 * app.use(cors({ origin: 'https://shop.example', allowedHeaders: ['content-type', ...replaylinkHeaders()] }));
 */
export function replaylinkHeaders(): string[] {
  const { headers, tokenHeaders } = state.options;
  return [...tokenHeaders, headers.recordingId, headers.requestId, headers.sessionId];
}
