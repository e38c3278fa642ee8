import { withConsoleLevel } from '../core/breadcrumbs.js';
import { state } from '../core/state.js';
import { currentTransport, forwardLog } from './forward.js';
import { logText } from './serialize.js';
import { forwardState } from './state.js';

const METHOD_LEVELS = {
  debug: 'debug',
  log: 'info',
  info: 'info',
  warn: 'warn',
  error: 'error',
  trace: 'debug',
} as const;
const RANK = { debug: 0, info: 1, warn: 2, error: 3 } as const;

type Method = keyof typeof METHOD_LEVELS;

/**
 * Wraps the console methods so that output inside a recorded request is also forwarded
 * as a `log` event. Printing (and stamping, which happens in the stream) is unchanged:
 * the original method runs first, with the original arguments.
 */
export function installConsoleForwarding(): () => void {
  const originals = new Map<Method, (...args: unknown[]) => void>();
  for (const method of Object.keys(METHOD_LEVELS) as Method[]) {
    const original = console[method];
    const level = METHOD_LEVELS[method];
    const wrapped = function (this: unknown, ...args: unknown[]) {
      const context = state.als.getStore();
      if (context?.recordingId === undefined) return void Reflect.apply(original, this, args);
      // The stream write it causes is kept as a breadcrumb under the method's level.
      withConsoleLevel(level, () => Reflect.apply(original, this, args));
      if (currentTransport() === undefined) return;
      const threshold = forwardState().options.logs;
      if (threshold === false || RANK[level] < RANK[threshold]) return;
      try {
        forwardLog(logText(args), level, {}, context);
      } catch {
        // A hostile argument (throwing inspect) must not break the application's logging.
      }
    };
    originals.set(method, original);
    console[method] = wrapped;
  }
  return () => {
    for (const [method, original] of originals) console[method] = original;
  };
}
