import { deliverBeforeExit } from './fatal-delivery.js';
import { currentTransport, forwardException, wasForwarded } from './forward.js';
import { state } from './state.js';

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
  const raisingAgain = new Set<unknown>();

  const onFatal = (error: unknown) => {
    try {
      if (!raisingAgain.delete(error) && !wasForwarded(error))
        forwardException(error, state.als.getStore());
      if (!willExit()) return;
      const transport = currentTransport();
      const forwarding = state.options.forwarding;
      if (transport === undefined || transport.isRateLimited || forwarding.apiKey === undefined)
        return;
      deliverBeforeExit(transport.takePending(), {
        endpoint: forwarding.endpoint,
        apiKey: forwarding.apiKey,
        timeoutMs: forwarding.shutdownTimeoutMs,
      });
    } catch {
      // Never turn the application's crash into a different one.
    }
  };

  const onRejection = (reason: unknown, promise: Promise<unknown>) => {
    try {
      forwardException(reason, contextOfPromise(promise));
    } catch {
      // As above.
    }
    if (process.listenerCount('unhandledRejection') > 1) return; // the application handles it
    if (mode !== 'throw' && mode !== 'warn-with-error-code') return; // our listener changes nothing there
    raisingAgain.add(reason);
    process.removeListener('unhandledRejection', onRejection);
    Promise.reject(reason); // unhandled again, now with Node's default for the mode
    setImmediate(() => {
      raisingAgain.delete(reason);
      if (installed) process.on('unhandledRejection', onRejection);
    });
  };

  let installed = true;
  process.on('uncaughtExceptionMonitor', onFatal);
  process.on('unhandledRejection', onRejection);
  return () => {
    installed = false;
    process.removeListener('uncaughtExceptionMonitor', onFatal);
    process.removeListener('unhandledRejection', onRejection);
  };
}
