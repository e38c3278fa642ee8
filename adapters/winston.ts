import type { Logform, LoggerOptions } from 'winston';
import { type ContextTags, contextTags } from '../src/index.js';

type TransformableInfo = Logform.TransformableInfo;
type Format = Logform.Format;

// Shared keys (`Symbol.for`): the format and `winstonOptions` may come from different builds.
const kTagged: unique symbol = Symbol.for('replaylink.winston.tagged');
const kCaptured: unique symbol = Symbol.for('replaylink.winston.context');
const OUTSIDE: unique symbol = Symbol.for('replaylink.winston.outside');

type Info = TransformableInfo & {
  [kTagged]?: true;
  [kCaptured]?: ContextTags | typeof OUTSIDE;
};

/** A logform format: what `winston.format.combine()` and `createLogger({ format })` accept. */
export interface ReplayLinkFormat {
  transform(info: TransformableInfo): TransformableInfo | boolean;
}

/**
 * The tags of the context the record was logged in. winston runs formats inside a stream,
 * which defers them under backpressure into another request's async context; the
 * `defaultMeta` of {@link winstonOptions} captures the context at the call instead.
 */
function tagsFor(info: Info): ContextTags | undefined {
  const captured = kCaptured in info ? info[kCaptured] : contextTags();
  return captured === OUTSIDE ? undefined : captured;
}

function transform(info: Info): TransformableInfo {
  // Once per record, even when the format sits on both the logger and a transport.
  if (info[kTagged]) return info;
  const tags = tagsFor(info);
  if (tags === undefined) return info;
  info[kTagged] = true;
  for (const [name, value] of Object.entries(tags.fields)) info[name] ??= value;
  const message = info.message;
  if (typeof message === 'string' && message !== '') info.message = tags.text + message;
  else if (message === undefined || message === '') info.message = tags.text.trimEnd();
  return info;
}

/**
 * A winston format that adds the request's ids to a record: as fields
 * (`openReplaySessionToken`, …) and as `[tag=…]` text at the start of the message, where
 * OpenReplay's log search looks. Prefer {@link winstonOptions}, which also captures the
 * context when the record is logged; use this format alone for a transport's own format.
 *
 * @example
 * new winston.transports.Console({ format: winston.format.combine(winstonFormat(), winston.format.json()) });
 */
export function winstonFormat(): ReplayLinkFormat {
  return { transform };
}

/** `defaultMeta` with a symbol getter: winston copies it into each record at the call. */
function capturingMeta(meta: unknown): object {
  const base = typeof meta === 'object' && meta !== null ? { ...meta } : {};
  return Object.defineProperty(base, kCaptured, {
    enumerable: true,
    get: () => contextTags() ?? OUTSIDE,
  });
}

/** Runs our transform, then the user's format, like `format.combine()` does. */
function withUserFormat(user: Format | undefined): ReplayLinkFormat {
  if (user === undefined) return winstonFormat();
  return {
    transform: (info) => user.transform(transform(info), user.options) as TransformableInfo,
  };
}

/**
 * winston logger options that add the request's ids to every record logged inside a
 * request, child loggers included: as fields and as `[tag=…]` text at the start of the
 * message. Your `format` runs after ours, your `defaultMeta` is kept. Outside a request,
 * records are unchanged. No runtime import of winston.
 *
 * @example
 * import winston from 'winston';
 * import { winstonOptions } from 'replaylink/winston';
 * const logger = winston.createLogger(
 *   winstonOptions({ format: winston.format.json(), transports: [new winston.transports.Console()] }),
 * );
 */
export function winstonOptions<O extends LoggerOptions>(
  options?: O,
): O & { format: Format; defaultMeta: object } {
  return {
    ...(options as O),
    format: withUserFormat(options?.format) as Format,
    defaultMeta: capturingMeta(options?.defaultMeta),
  };
}
