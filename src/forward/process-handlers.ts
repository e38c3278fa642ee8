import { writeSync } from 'node:fs';
import { state } from '../core/state.js';
import { kPrefix } from '../core/symbols.js';
import { printable } from '../core/text.js';
import { deliverBeforeExit } from './fatal-delivery.js';
import { currentTransport, forwardException } from './forward.js';
import { titleOf } from './serialize.js';
import { forwardState } from './state.js';

type RejectionsMode = 'throw' | 'strict' | 'warn' | 'none' | 'warn-with-error-code';
const MODES: readonly RejectionsMode[] = [
  'throw',
  'strict',
  'warn',
  'none',
  'warn-with-error-code',
];

/** The `--unhandled-rejections` mode this process runs with (flags or NODE_OPTIONS). */
export function rejectionsMode(
  argv = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): RejectionsMode {
  const words = [...argv, ...nodeOptions.split(/\s+/)];
  let mode: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word.startsWith('--unhandled-rejections='))
      mode = word.slice('--unhandled-rejections='.length);
    else if (word === '--unhandled-rejections') mode = words[i + 1];
  }
  return MODES.includes(mode as RejectionsMode) ? (mode as RejectionsMode) : 'throw';
}

function contextOfPromise(promise: unknown) {
  // Node 20 keeps each AsyncLocalStorage's store on the promise resource itself.
  const key = (state.als as unknown as { kResourceStore?: symbol }).kResourceStore;
  const stored =
    key && typeof promise === 'object' && promise !== null
      ? (promise as Record<symbol, unknown>)[key]
      : undefined;
  return (stored as ReturnType<typeof state.als.getStore>) ?? state.als.getStore();
}

type Context = ReturnType<typeof state.als.getStore>;

/**
 * One stamped line before Node's own trace, so a crash is found by the request's tag;
 * the trace itself and the exit code stay exactly what bare Node prints. Written
 * straight to fd 2: Node prints the trace synchronously right after this returns.
 */
function announce(error: unknown, context: Context): void {
  const prefix = context?.[kPrefix];
  if (!prefix) return;
  try {
    writeSync(2, `${prefix}uncaught ${printable(titleOf(error), 1000)}\n`);
  } catch {
    // stderr closed: nothing to tell.
  }
}

/**
 * Notes the current context as that of a listener about to leave by a throw: the uncaught
 * exception Node raises next is reported outside every context, and takes this one. Kept
 * until the next tick only, in case the caller of the listener caught the throw instead.
 */
export function noteEscaping(): void {
  const forwarding = forwardState();
  const context = state.als.getStore();
  forwarding.escaping = context;
  process.nextTick(() => {
    if (forwarding.escaping === context) forwarding.escaping = undefined;
  });
}

/** The context noted by {@link noteEscaping}, taken once. */
function takeEscaping(): Context {
  const forwarding = forwardState();
  const context = forwarding.escaping;
  forwarding.escaping = undefined;
  return context;
}

function willExit(): boolean {
  return (
    process.listenerCount('uncaughtException') === 0 &&
    !process.hasUncaughtExceptionCaptureCallback()
  );
}

/**
 * Forwards uncaught exceptions and unhandled rejections while keeping Node's own
 * behaviour: same printed error, same exit code, same `--unhandled-rejections` mode.
 * - `uncaughtExceptionMonitor` observes without handling; when the process is about to
 *   die, queued events are delivered synchronously (bounded) before Node prints and exits.
 * - An `unhandledRejection` listener would stop the default crash, so where Node's mode
 *   depends on there being none, the rejection is raised again with ours detached.
 */
export function installProcessHandlers(): () => void {
  const mode = rejectionsMode();
  // Rejections raised again, with the context of the request that rejected them.
  const raisingAgain = new Map<unknown, Context>();

  const forwardOnce = (thrown: unknown, context: Context) => {
    try {
      // forwardException dedupes too: objects process-wide, primitives per request.
      forwardException(thrown, context);
    } catch {
      // Never turn the application's failure into a different one.
    }
  };

  const onFatal = (error: unknown) => {
    const context = raisingAgain.get(error) ?? state.als.getStore() ?? takeEscaping();
    raisingAgain.delete(error);
    // Node built its crash message before this runs, so reading the stack is harmless.
    forwardOnce(error, context);
    if (!willExit()) return;
    announce(error, context);
    try {
      const transport = currentTransport();
      const { apiKey, endpoint, shutdownTimeoutMs } = forwardState().options;
      if (transport === undefined || transport.isRateLimited || apiKey === undefined) return;
      deliverBeforeExit(transport.takePending(), {
        endpoint,
        apiKey,
        timeoutMs: shutdownTimeoutMs,
      });
    } catch {
      // As above.
    }
  };

  const onRejection = (reason: unknown, promise: Promise<unknown>) => {
    const context = contextOfPromise(promise);
    const handledByApp = process.listenerCount('unhandledRejection') > 1;
    if (handledByApp || (mode !== 'throw' && mode !== 'warn-with-error-code')) {
      // Our listener changes nothing here: Node has already warned, or the app handles it.
      forwardOnce(reason, context);
      return;
    }
    // Raised again with ours detached, so Node applies its default for the mode. The
    // reason is not read before that: reading `stack` would lose V8's original arrow.
    raisingAgain.set(reason, context);
    process.removeListener('unhandledRejection', onRejection);
    Promise.reject(reason);
    setImmediate(() => {
      // Reached only if the process survived (e.g. an uncaughtException handler).
      if (raisingAgain.delete(reason)) forwardOnce(reason, context);
      if (installed) process.on('unhandledRejection', onRejection);
    });
  };

  let installed = true;
  process.on('uncaughtExceptionMonitor', onFatal);
  // In strict mode every rejection reaches the monitor first, and a listener here would
  // silence the warning Node prints when the application handled the exception.
  if (mode !== 'strict') process.on('unhandledRejection', onRejection);
  return () => {
    installed = false;
    process.removeListener('uncaughtExceptionMonitor', onFatal);
    process.removeListener('unhandledRejection', onRejection);
  };
}
