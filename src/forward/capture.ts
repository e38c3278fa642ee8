import type { IncomingMessage } from 'node:http';
import { diagnose } from '../core/diagnostics.js';
import { contextOf, factsOf, noteError } from '../core/request.js';
import { state } from '../core/state.js';
import { statusOf } from './event.js';
import { forwardException } from './forward.js';

export type ShouldForward = (error: unknown, req: IncomingMessage) => boolean;

/** Default rule: server errors (status 500 or more) and errors that carry no status. */
export function defaultShouldForward(error: unknown): boolean {
  const status = statusOf(error);
  return status === undefined || status >= 500;
}

/**
 * What every adapter's error hook calls: records the error on the request and forwards
 * it once if `shouldForward` agrees (without one: the rule of the adapter that entered
 * the request, else the default; an error an earlier capture point of the request judged
 * is then left as judged). A throwing `shouldForward` counts as "forward".
 */
export function captureRequestError(
  error: unknown,
  req: IncomingMessage,
  shouldForward?: ShouldForward,
): boolean {
  try {
    const context = contextOf(req) ?? state.als.getStore();
    // A capture point without a rule of its own leaves an error another one judged.
    if (shouldForward === undefined && factsOf(context)?.error === error) return false;
    noteError(context, error);
    let forward: boolean;
    try {
      const rule = shouldForward ?? factsOf(context)?.shouldForward ?? defaultShouldForward;
      forward = rule(error, req);
    } catch {
      forward = true;
    }
    // Frameworks answer an error without a status with 500.
    return forward && forwardException(error, context, undefined, statusOf(error) ?? 500);
  } catch (err) {
    // Capturing must never change how the framework answers.
    diagnose(`capturing an error failed (${err instanceof Error ? err.name : typeof err})`);
    return false;
  }
}
