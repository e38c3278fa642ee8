import type { LogFn, Logger, LoggerOptions } from 'pino';
import { currentTags } from '../src/fields.js';

type Hooks = NonNullable<LoggerOptions['hooks']>;
type LogMethodHook = NonNullable<Hooks['logMethod']>;
type Mixin = NonNullable<LoggerOptions['mixin']>;

/** What {@link pinoOptions} sets; any other pino option passes through unchanged. */
export interface PinoReplayLinkOptions {
  mixin: Mixin;
  hooks: Hooks & { logMethod: LogMethodHook };
}

/** The message pino will print for a merge object logged without a message. */
function impliedMessage(object: object): string | undefined {
  if (object instanceof Error) return object.message;
  const err = (object as { err?: unknown }).err;
  return err instanceof Error ? err.message : undefined;
}

/** Puts `text` in front of the message of a pino call's arguments, in place. */
function tagArguments(args: unknown[], text: string): void {
  const first = args[0];
  if (typeof first === 'string') {
    args[0] = text + first;
  } else if (typeof first === 'object' && first !== null) {
    const message = args[1];
    if (typeof message === 'string') args[1] = text + message;
    // A record with no message still needs the tag in its message text; a merge object
    // with its own `msg` is left alone (pino would print that one).
    else if (message === undefined && !('msg' in first)) {
      const implied = impliedMessage(first);
      args[1] = implied === undefined ? text.trimEnd() : text + implied;
    }
  } else if (typeof first === 'number' || typeof first === 'boolean') {
    args[0] = text + String(first);
  }
}

/**
 * pino options that add the request's ids to every record written inside a request:
 * as fields (`openReplaySessionToken`, `bugReplayRecordingUuid`, `openReplaySession.id`)
 * through `mixin`, and as `[tag=…]` text at the start of the message through
 * `hooks.logMethod`, so OpenReplay's log search finds the record. Child loggers and
 * pino-http's request logger inherit both. Outside a request, records are unchanged.
 * Your own `mixin` and `hooks.logMethod`, when given, still run.
 *
 * @example
 * import pino from 'pino';
 * import { pinoOptions } from 'replaylink/pino';
 * const logger = pino(pinoOptions({ level: 'info' }), pino.destination('app.log'));
 */
export function pinoOptions<O extends LoggerOptions>(
  options?: O,
): Omit<O, 'mixin' | 'hooks'> & PinoReplayLinkOptions {
  const userMixin = options?.mixin;
  const userHook = options?.hooks?.logMethod;
  const mixin: Mixin =
    userMixin === undefined
      ? // pino's default merge strategy writes into the returned object: always a fresh one.
        () => {
          const tags = currentTags();
          return tags === undefined ? {} : { ...tags.fields };
        }
      : (mergeObject, level, logger) => {
          const own = userMixin(mergeObject, level, logger);
          const tags = currentTags();
          return tags === undefined ? own : { ...tags.fields, ...own };
        };
  const logMethod: LogMethodHook = function (this: Logger, args, method: LogFn, level) {
    const tags = currentTags();
    if (tags !== undefined) tagArguments(args, tags.text);
    if (userHook !== undefined) return userHook.call(this, args, method, level);
    return method.apply(this, args);
  };
  return { ...(options as O), mixin, hooks: { ...options?.hooks, logMethod } };
}
