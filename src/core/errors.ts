import { kReplayLinkError } from './symbols.js';

/** Error codes a caller can branch on. */
export type ReplayLinkErrorCode = 'ERR_REPLAYLINK_INVALID_OPTION';

/**
 * Thrown at set-up time only (bad options). Runtime failures inside the library are
 * counted and reported through diagnostics, never thrown into the application.
 * `instanceof ReplayLinkError` also holds for an error thrown by the other build (ESM or
 * CommonJS) of the package loaded in the same process.
 *
 * @example
 * try { init({ apiKey: 42 }); } catch (error) {
 *   if (error instanceof ReplayLinkError && error.code === 'ERR_REPLAYLINK_INVALID_OPTION') …
 * }
 */
export class ReplayLinkError extends Error {
  readonly code: ReplayLinkErrorCode;
  declare readonly [kReplayLinkError]: true;

  constructor(code: ReplayLinkErrorCode, message: string) {
    super(message);
    this.name = 'ReplayLinkError';
    this.code = code;
  }

  // Each build has its own class; the brand is a `Symbol.for` key both builds read.
  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as { [kReplayLinkError]?: unknown })[kReplayLinkError] === true
    );
  }
}

// On the prototype, so the brand is neither an own property nor enumerable.
Object.defineProperty(ReplayLinkError.prototype, kReplayLinkError, { value: true });

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
