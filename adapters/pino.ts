import type { LogFn, Logger, LoggerOptions } from 'pino';
import { type ContextTags, contextTags, idHeadersToHide } from '../src/index.js';

type Hooks = NonNullable<LoggerOptions['hooks']>;
type LogMethodHook = NonNullable<Hooks['logMethod']>;
type Mixin = NonNullable<LoggerOptions['mixin']>;

/** What {@link pinoOptions} sets; any other pino option passes through unchanged. */
export interface PinoReplayLinkOptions {
  mixin: Mixin;
  hooks: Hooks & { logMethod: LogMethodHook };
}

interface Keys {
  message: string;
  error: string;
}

/** The message pino prints for a merge object logged without a message argument. */
function impliedMessage(object: Record<string, unknown>, keys: Keys): string | undefined {
  if (object instanceof Error) return object.message;
  const own = object[keys.message];
  if (typeof own === 'string') return own;
  const err = object[keys.error];
  return err instanceof Error ? err.message : undefined;
}

/** Puts `text` in front of the message of a pino call's arguments, in place. */
function tagArguments(args: unknown[], text: string, keys: Keys): void {
  const first = args[0];
  if (typeof first === 'string') {
    args[0] = text + first;
  } else if (typeof first === 'object' && first !== null) {
    const message = args[1];
    if (typeof message === 'string') args[1] = text + message;
    else if (message === undefined) {
      // No message argument: the record still needs the tag in its message text.
      const object = first as Record<string, unknown>;
      const implied = impliedMessage(object, keys);
      // A message carried in the object moves to the argument, so it is written once.
      if (typeof object[keys.message] === 'string' && !(first instanceof Error))
        args[0] = { ...object, [keys.message]: undefined };
      args[1] = implied === undefined ? text.trimEnd() : text + implied;
    }
  } else if (typeof first === 'number' || typeof first === 'boolean') {
    args[0] = text + String(first);
  }
}

const NO_FIELDS: Readonly<Record<string, string>> = Object.freeze({});

function mergeFields(mergeObject: object, fields: object): object {
  return fields === NO_FIELDS ? mergeObject : { ...fields, ...mergeObject };
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
  const keys: Keys = {
    message: options?.messageKey ?? 'msg',
    error: options?.errorKey ?? 'err',
  };
  const userMixin = options?.mixin;
  const userHook = options?.hooks?.logMethod;
  const userMerge = options?.mixinMergeStrategy;
  // With neither a mixin nor a merge strategy of the user's, the mixin returns the
  // context's cached, frozen fields and our strategy copies them once, under the record's
  // own keys; outside a request the record goes through untouched, as with bare pino.
  const cached = userMixin === undefined && userMerge === undefined;
  // The hook reads the tags once and hands them to the mixin of the same call (pino calls
  // it synchronously from the method the hook calls): one context lookup per record.
  let handed: ContextTags | undefined;
  let inHook = false;
  const mixin: Mixin = cached
    ? () => (inHook ? handed : contextTags())?.fields ?? NO_FIELDS
    : userMixin === undefined
      ? // A merge strategy of the user's may write into the returned object: a fresh one.
        () => {
          const tags = contextTags();
          return tags === undefined ? {} : { ...tags.fields };
        }
      : (mergeObject, level, logger) => {
          const own = userMixin(mergeObject, level, logger);
          const tags = contextTags();
          return tags === undefined ? own : { ...tags.fields, ...own };
        };
  const logMethod: LogMethodHook = function (this: Logger, args, method: LogFn, level) {
    const tags = contextTags();
    if (tags !== undefined) tagArguments(args, tags.text, keys);
    // Saved and restored: a serializer may log through another logger meanwhile.
    const outerTags = handed;
    const outerHook = inHook;
    handed = tags;
    inHook = true;
    try {
      if (userHook !== undefined) return userHook.call(this, args, method, level);
      return method.apply(this, args);
    } finally {
      handed = outerTags;
      inHook = outerHook;
    }
  };
  const hooks = { ...options?.hooks, logMethod };
  if (!cached) return { ...(options as O), mixin, hooks };
  return { ...(options as O), mixin, mixinMergeStrategy: mergeFields, hooks };
}

/**
 * pino `redact` paths for the id headers a request log must not repeat: the session
 * token's header (a credential) and those of ids left out of the `tags` option, under
 * the configured header names. Call it after `init` (or the adapter that sets the
 * header names). Add your own paths beside them.
 *
 * @example
 * import { pinoHttp } from 'pino-http';
 * import { redactPaths } from 'replaylink/pino';
 * app.use(pinoHttp({ logger, redact: redactPaths() }));
 * // or remove the key entirely: redact: { paths: redactPaths(), remove: true }
 */
export function redactPaths(prefix = 'req.headers'): string[] {
  return idHeadersToHide().map((name) => `${prefix}[${JSON.stringify(name)}]`);
}
