/** Error codes a caller can branch on. */
export type ReplayLinkErrorCode = 'ERR_REPLAYLINK_INVALID_OPTION';

/**
 * Thrown at set-up time only (bad options). Runtime failures inside the library are
 * counted and reported through diagnostics, never thrown into the application.
 */
export class ReplayLinkError extends Error {
  readonly code: ReplayLinkErrorCode;

  constructor(code: ReplayLinkErrorCode, message: string) {
    super(message);
    this.name = 'ReplayLinkError';
    this.code = code;
  }
}

/** Describes a rejected value without echoing untrusted text at length. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}

export function invalidOption(name: string, value: unknown, accepted: string): ReplayLinkError {
  return new ReplayLinkError(
    'ERR_REPLAYLINK_INVALID_OPTION',
    `replaylink: option "${name}" is ${describeValue(value)}; expected ${accepted}`,
  );
}
