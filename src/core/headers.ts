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
