import type { ContextTags, InternalContext } from './model.js';
import type { CoreOptions, TagKind } from './options.js';
import { state } from './state.js';
import { kTags } from './symbols.js';

type Ids = Partial<Record<TagKind, string | undefined>>;

const NONE: ContextTags = Object.freeze({ text: '', fields: Object.freeze({}) });

/** The `[name=value] ` text of the ids selected by the `tags` option. */
export function tagText(ids: Ids, options: CoreOptions): string {
  let text = '';
  for (const kind of options.tags) {
    const value = ids[kind];
    if (value !== undefined) text += `[${options.tagNames[kind]}=${value}] `;
  }
  return text;
}

function buildTags(context: InternalContext, options: CoreOptions): ContextTags {
  const fields: Record<string, string> = {};
  for (const kind of options.tags) {
    const value = context[kind];
    if (value !== undefined) fields[options.tagNames[kind]] = value;
  }
  const text = tagText(context, options);
  return text === '' ? NONE : { text, fields: Object.freeze(fields) };
}

/** The tag text and fields of `context`, built on first use and kept on the context. */
export function tagsOf(context: InternalContext): ContextTags {
  const cached = context[kTags];
  if (cached !== undefined) return cached;
  const tags = buildTags(context, state.options);
  (context as { [kTags]?: ContextTags })[kTags] = tags;
  return tags;
}

/**
 * The current request's ids as a logger writes them: the `[tag=value] ` text and the same
 * ids as fields, honouring `tags` and `tagNames`. `undefined` outside a request or when
 * it has no tagged id. What the pino and winston helpers use; use it for other loggers.
 *
 * @example
 * const tags = contextTags();
 * myLogger.info({ ...tags?.fields }, `${tags?.text ?? ''}order created`);
 */
export function contextTags(): ContextTags | undefined {
  const context = state.als.getStore();
  if (context === undefined) return undefined;
  const tags = tagsOf(context);
  return tags === NONE ? undefined : tags;
}

/**
 * The incoming header names that carry ids a log must not repeat: the session token's
 * (a credential; every name it is read from) and those of the ids left out of `tags`.
 * For loggers that print request headers (pino-http's `redact`, morgan formats).
 *
 * @example
 * idHeadersToHide(); // ['x-openreplay-sessiontoken', 'x-openreplay-session-token'] with the default options
 */
export function idHeadersToHide(): string[] {
  const { headers, tags, tokenHeaders } = state.options;
  const hidden: string[] = [...tokenHeaders];
  for (const kind of ['recordingId', 'sessionId'] as const)
    if (!tags.includes(kind)) hidden.push(headers[kind]);
  return hidden;
}
