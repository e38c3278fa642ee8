import { capabilityState } from '../core/state.js';

interface ReportState {
  /** Errors already logged, so that nested wrappers (middy inside lambdaHandler) log one. */
  readonly logged: WeakSet<object>;
}

function reportState(): ReportState {
  return capabilityState('lambdaReport', () => ({ logged: new WeakSet<object>() }));
}

/**
 * Logs what a handler threw as one console.error record, inside the invocation's context
 * so that it carries the tag: the error's name, message and stack in one CloudWatch event
 * (the runtime's own `Invoke Error` record comes after the context has ended). Once per
 * error object; returns whether it logged.
 */
export function logHandlerError(error: unknown): boolean {
  if (typeof error === 'object' && error !== null) {
    const { logged } = reportState();
    if (logged.has(error)) return false;
    logged.add(error);
  }
  try {
    if (error instanceof Error) console.error(error);
    else console.error('Error: the handler threw a non-Error value:', error);
  } catch {
    // A hostile error (throwing getters) must not replace the handler's own failure.
  }
  return true;
}
